/**
 * Parser for the Standard Task Graph Set format (.stg, Tobita & Kasahara): line 1 holds n, the number
 * of real tasks; then one row per task `id time npreds pred...`, row 0 being a dummy entry and the last
 * row a dummy exit, both of time 0; a `#` trailer follows with figures such as `CP Length`.
 * The tasks are taken from the rows themselves (line 1 is reported, not trusted). Takes file text.
 */
import { buildTaskGraph, type TaskGraph } from './graph.js';

export interface StgGraph {
  /** Tasks named by their STG id ("0" .. "n+1"), dummies included with duration 0. */
  graph: TaskGraph;
  /** The task count written on line 1 (real tasks, without the two dummies). */
  declaredTasks: number;
  /** Real tasks counted from the rows: rows - 2. */
  realTasks: number;
  /** `CP Length` from the trailer, when present. */
  cpLength?: number;
  /** Every `# key : value` line of the trailer. */
  trailer: Record<string, string>;
}

/** Parses the text of an .stg file; `name` only labels error messages. */
export function parseStg(text: string, name = 'stg'): StgGraph {
  const lines = text.split(/\r?\n/);
  let declaredTasks: number | undefined;
  const names: string[] = [];
  const durations: number[] = [];
  const preds: string[][] = [];
  const trailer: Record<string, string> = {};
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    const where = `${name}:${ln + 1}`;
    if (line === '') continue;
    if (line.startsWith('#')) {
      const kv = /^#\s*([^:]+?)\s*:\s*(.*)$/.exec(line);
      if (kv) trailer[kv[1]!] = kv[2]!;
      continue;
    }
    const fields = line.split(/\s+/).map((f) => {
      if (!/^\d+$/.test(f)) throw new Error(`${where}: "${f}" is not a non-negative integer`);
      return Number(f);
    });
    if (declaredTasks === undefined) {
      if (fields.length !== 1) throw new Error(`${where}: line 1 should hold the task count only`);
      declaredTasks = fields[0]!;
      continue;
    }
    const [id, time, npreds] = fields;
    if (id === undefined || time === undefined || npreds === undefined) {
      throw new Error(`${where}: a task row needs id, time and predecessor count`);
    }
    if (id !== names.length) throw new Error(`${where}: expected task id ${names.length}, found ${id}`);
    if (fields.length !== 3 + npreds) {
      throw new Error(`${where}: task ${id} declares ${npreds} predecessors but lists ${fields.length - 3}`);
    }
    const ps = fields.slice(3);
    for (const p of ps) if (p >= id) throw new Error(`${where}: task ${id} has predecessor ${p} (not lower)`);
    names.push(String(id));
    durations.push(time);
    preds.push(ps.map(String));
  }
  if (declaredTasks === undefined) throw new Error(`${name}: empty file`);
  if (names.length < 2) throw new Error(`${name}: fewer than two task rows (entry and exit dummies)`);
  const graph = buildTaskGraph(names, durations, preds);
  const cp = trailer['CP Length'];
  const out: StgGraph = { graph, declaredTasks, realTasks: names.length - 2, trailer };
  if (cp !== undefined && /^\d+(\.\d+)?$/.test(cp)) out.cpLength = Number(cp);
  return out;
}
