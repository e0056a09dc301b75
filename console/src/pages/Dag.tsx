/** A flow's dependency graph laid out automatically (layout.ts), each job coloured by its state in the run; click selects. */
import { memo, useMemo } from 'react';
import type { Graph } from '../types';
import { colorOf } from '../util';
import { DAGRE_MAX, layout, NODE_H as H, NODE_W as W } from './layout';

interface DagProps {
  graph: Graph;
  states: Map<string, string>;
  selected: ReadonlySet<string>;
  focus: string | null;
  onPick: (job: string, e: React.MouseEvent) => void;
}

interface NodeProps {
  job: string;
  enabled: boolean;
  x: number;
  y: number;
  state: string;
  mark: 'focus' | 'selected' | null;
  onPick: (job: string, e: React.MouseEvent) => void;
}

/** One job: drawn again only when its own state, mark or place changes, not when another job's does. */
const Node = memo(function Node({ job, enabled, x, y, state, mark, onPick }: NodeProps) {
  return (
    <g className="node" data-job={job} data-state={state} data-enabled={String(enabled)} transform={`translate(${x - W / 2},${y - H / 2})`}
      onClick={(e) => onPick(job, e)}>
      <rect width={W} height={H} rx={5} fill={colorOf(state)} opacity={enabled ? 1 : 0.45}
        stroke={mark === 'focus' ? '#000' : mark === 'selected' ? '#ffca28' : 'none'} strokeWidth={3} />
      <text x={W / 2} y={H / 2 + 4} textAnchor="middle">{job.length > 20 ? `${job.slice(0, 19)}…` : job}</text>
    </g>
  );
});

export const Dag = memo(function Dag({ graph, states, selected, focus, onPick }: DagProps) {
  const l = useMemo(() => layout(graph), [graph]);
  // A big graph (laid out left to right) draws its edges as two paths, solid and dashed, without arrowheads:
  // thousands of elements and SVG markers cost the browser more than the lines themselves.
  const small = graph.nodes.length <= DAGRE_MAX;
  const bundles = useMemo(() => (small ? [] : [false, true].map((soft) => ({
    key: soft ? 'soft' : 'hard', soft,
    d: l.edges.filter((e) => e.soft === soft).map((e) => e.points.map((p, i) => `${i ? 'L' : 'M'}${Math.round(p.x)} ${Math.round(p.y)}`).join('')).join(''),
  }))), [l, small]);
  return (
    <div className="dag-wrap">
      <svg width={l.width} height={l.height} data-testid="dag">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#90a4ae" />
          </marker>
        </defs>
        {small ? l.edges.map((e) => (
          <polyline key={e.key} className="edge" points={e.points.map((p) => `${p.x},${p.y}`).join(' ')}
            strokeDasharray={e.soft ? '4 3' : undefined} markerEnd="url(#arrow)" />
        )) : bundles.map((b) => <path key={b.key} className="edge" d={b.d} strokeDasharray={b.soft ? '4 3' : undefined} />)}
        {graph.nodes.map((n) => {
          const p = l.nodes.get(n.job)!;
          return (
            <Node key={n.job} job={n.job} enabled={n.enabled} x={p.x} y={p.y} state={states.get(n.job) ?? 'waiting'}
              mark={focus === n.job ? 'focus' : selected.has(n.job) ? 'selected' : null} onPick={onPick} />
          );
        })}
      </svg>
    </div>
  );
});
