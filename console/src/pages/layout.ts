/**
 * Where each job of a DAG goes. dagre lays out graphs of up to DAGRE_MAX jobs (crossings minimised, edges
 * routed); past that its ordering passes grow too slow for a page that must open in a few seconds, so big
 * graphs get a linear-time layered layout: a job's column is its longest path from a source, its row in the
 * column the mean row of its dependencies (one barycentre pass), edges straight lines.
 */
import dagre from '@dagrejs/dagre';
import type { Graph } from '../types';

export const NODE_W = 150;
export const NODE_H = 30;
export const DAGRE_MAX = 300;

export interface Point { x: number; y: number }

export interface Layout {
  width: number;
  height: number;
  nodes: Map<string, Point>;
  edges: Array<{ key: string; points: Point[]; soft: boolean }>;
}

const isSoft = (states: string[]) => !(states.length === 1 && states[0] === 'succeeded');

function dagreLayout(graph: Graph): Layout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 8, ranksep: 40, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.job, { width: NODE_W, height: NODE_H });
  for (const e of graph.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const nodes = new Map<string, Point>();
  for (const n of graph.nodes) {
    const p = g.node(n.job);
    nodes.set(n.job, { x: p.x, y: p.y });
  }
  const edges = graph.edges.map((e) => ({
    key: `${e.from}->${e.to}`, points: (g.edge(e.from, e.to)?.points ?? []) as Point[], soft: isSoft(e.states),
  }));
  const size = g.graph();
  return { width: (size.width ?? 0) + 20, height: (size.height ?? 0) + 20, nodes, edges };
}

export function layeredLayout(graph: Graph): Layout {
  const preds = new Map<string, string[]>(graph.nodes.map((n) => [n.job, []]));
  const succs = new Map<string, string[]>(graph.nodes.map((n) => [n.job, []]));
  for (const e of graph.edges) {
    preds.get(e.to)?.push(e.from);
    succs.get(e.from)?.push(e.to);
  }
  // Longest path from a source, in topological order (Kahn); flows are acyclic (the loader refuses cycles).
  const rank = new Map<string, number>();
  const missing = new Map(graph.nodes.map((n) => [n.job, preds.get(n.job)!.length]));
  const queue = graph.nodes.filter((n) => missing.get(n.job) === 0).map((n) => n.job);
  for (let i = 0; i < queue.length; i++) {
    const job = queue[i]!;
    const r = Math.max(-1, ...preds.get(job)!.map((p) => rank.get(p) ?? 0)) + 1;
    rank.set(job, r);
    for (const s of succs.get(job)!) {
      const left = missing.get(s)! - 1;
      missing.set(s, left);
      if (left === 0) queue.push(s);
    }
  }
  const columns: string[][] = [];
  for (const n of graph.nodes) (columns[rank.get(n.job) ?? 0] ??= []).push(n.job);
  const row = new Map<string, number>();
  columns.forEach((col, c) => {
    if (c > 0) {
      const weight = (job: string) => {
        const ps = preds.get(job)!;
        return ps.length ? ps.reduce((sum, p) => sum + (row.get(p) ?? 0), 0) / ps.length : 0;
      };
      col.sort((a, b) => weight(a) - weight(b));
    }
    col.forEach((job, i) => row.set(job, i));
  });
  const nodes = new Map<string, Point>();
  for (const [job, r] of row) nodes.set(job, { x: 10 + (rank.get(job) ?? 0) * (NODE_W + 40) + NODE_W / 2, y: 10 + r * (NODE_H + 8) + NODE_H / 2 });
  const edges = graph.edges.map((e) => {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    return { key: `${e.from}->${e.to}`, points: [{ x: a.x + NODE_W / 2, y: a.y }, { x: b.x - NODE_W / 2, y: b.y }], soft: isSoft(e.states) };
  });
  const tallest = Math.max(0, ...columns.map((c) => c.length));
  return { width: columns.length * (NODE_W + 40) + 20, height: tallest * (NODE_H + 8) + 20, nodes, edges };
}

export function layout(graph: Graph): Layout {
  return graph.nodes.length <= DAGRE_MAX ? dagreLayout(graph) : layeredLayout(graph);
}
