/**
 * Scheduling quality of the dispatch order on real task graphs: the list-schedule makespan of FIFO
 * (declaration order), HLFET (highest bottom level first) and the planner, against the published optima
 * of the Standard Task Graph Set (50 and 100 tasks), the lower bound max(CP, ceil(W/m)) for STG 300, and
 * the lower bound max(CP, W/m) for WfCommons traces. Also times the planner. Prints a table and writes
 * bench/scheduling-results.json (full runs only). Figures only; nothing here is asserted.
 *   node dist/bench/scheduling.js [--quick] [--data DIR] [--seed N] [--iterations N] [--budget STEPS]
 * --quick takes every 6th STG graph and writes no JSON. DIR defaults to $ORDO_BENCHMARKS: the whole benchmark set,
 * laid out like test/fixtures/benchmarks (which holds only a few of its graphs).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchmarksDir, repoPath } from '../src/paths.js';
import { lowerBound, lowerBoundCeil } from '../src/sched/critical-path.js';
import { parseDax } from '../src/sched/dax.js';
import { edgeCount, type TaskGraph } from '../src/sched/graph.js';
import { ListScheduler } from '../src/sched/list-schedule.js';
import { optimalFileName, parseOptimalCsv, type OptimalRow } from '../src/sched/optimal.js';
import { DEFAULT_BUDGET_STEPS, DEFAULT_ITERATIONS, fifoPriorities, hlfetPriorities, planPriorities, type PlanOptions } from '../src/sched/planner.js';
import { parseStg } from '../src/sched/stg.js';
import { parseWfCommons } from '../src/sched/wfcommons.js';

const args = process.argv.slice(2);
const opt = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const quick = args.includes('--quick');
const dataArg = opt('--data') ?? benchmarksDir();
if (dataArg === undefined) {
  process.stderr.write('bench/scheduling: set ORDO_BENCHMARKS (or pass --data DIR) to the whole benchmark set, laid out like test/fixtures/benchmarks\n');
  process.exit(2);
}
const dataDir: string = dataArg;
const planOpts: PlanOptions = { seed: Number(opt('--seed') ?? 1) };
if (opt('--iterations') !== undefined) planOpts.iterations = Number(opt('--iterations'));
if (opt('--budget') !== undefined) planOpts.budgetSteps = Number(opt('--budget'));
const SLOTS = [2, 4, 8, 16];
const WF_SLOTS = [4, 8];

const stgCache = new Map<string, TaskGraph>();
function stgGraph(rel: string): TaskGraph {
  let g = stgCache.get(rel);
  if (!g) {
    g = parseStg(readFileSync(join(dataDir, 'stg', rel), 'utf8'), rel).graph;
    stgCache.set(rel, g);
  }
  return g;
}

const makespan = (g: TaskGraph, m: number, prio: number[]) => new ListScheduler(g, m).run(prio);
const pct = (x: number, ref: number) => (ref > 0 ? ((x - ref) / ref) * 100 : 0);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

interface Stat {
  mean: number;
  max: number;
}
function stat(xs: number[]): Stat {
  if (xs.length === 0) return { mean: 0, max: 0 };
  return { mean: round(xs.reduce((a, b) => a + b, 0) / xs.length), max: round(Math.max(...xs)) };
}

interface SetResult {
  set: string;
  m: number;
  graphs: number;
  reference: string;
  /** Graphs whose reference is an upper bound (optimum not proven). */
  unprovenRefs: number;
  fifo: Stat;
  hlfet: Stat;
  planner: Stat;
  /** Graphs where the planner's makespan equals the reference (or beats an unproven UB). */
  plannerAtReference: number;
  /** Graphs where the planner beat an unproven upper bound. */
  plannerBelowUb: number;
  plannerMs: Stat;
  goal?: string;
  goalMet?: boolean;
}

function runSet(set: string, m: number, items: { g: TaskGraph; ref: number; proven: boolean }[], reference: string, goal?: number): SetResult {
  const f: number[] = [];
  const h: number[] = [];
  const p: number[] = [];
  const ms: number[] = [];
  let atRef = 0;
  let belowUb = 0;
  for (const { g, ref, proven } of items) {
    f.push(pct(makespan(g, m, fifoPriorities(g)), ref));
    h.push(pct(makespan(g, m, hlfetPriorities(g)), ref));
    const t0 = performance.now();
    const plan = planPriorities(g, m, planOpts);
    ms.push(performance.now() - t0);
    p.push(pct(plan.makespan, ref));
    if (plan.makespan <= ref + 1e-9) atRef++;
    if (!proven && plan.makespan < ref - 1e-9) belowUb++;
  }
  const r: SetResult = {
    set,
    m,
    graphs: items.length,
    reference,
    unprovenRefs: items.filter((x) => !x.proven).length,
    fifo: stat(f),
    hlfet: stat(h),
    planner: stat(p),
    plannerAtReference: atRef,
    plannerBelowUb: belowUb,
    plannerMs: stat(ms),
  };
  if (goal !== undefined) {
    r.goal = `mean <= ${goal}%`;
    r.goalMet = r.planner.mean <= goal;
  }
  return r;
}

const results: SetResult[] = [];
const log = (s: string) => process.stderr.write(s + '\n');

// Warm-up, untimed, so that the first timed graphs do not pay for compilation.
for (let k = 0; k < 20; k++) {
  const f = `${String(k).padStart(4, '0')}.stg`;
  for (const size of [50, 100, 300]) for (const m of SLOTS) planPriorities(stgGraph(`${size}/rand${f}`), m, planOpts);
}

// STG 50 and 100 against the published optima (UB where only LB/UB is known).
for (const [size, goal] of [[50, 0.8], [100, 0.5]] as const) {
  for (const m of SLOTS) {
    const rows: OptimalRow[] = parseOptimalCsv(
      readFileSync(join(dataDir, 'stg', 'optimal', optimalFileName(size, m)), 'utf8'),
      optimalFileName(size, m),
    );
    const picked = quick ? rows.filter((_, i) => i % 6 === 0) : rows;
    const items = picked.map((r) => ({ g: stgGraph(r.graph), ref: r.ub, proven: r.proven }));
    const res = runSet(`stg-${size}`, m, items, 'OPT (UB where unproven)', goal);
    results.push(res);
    log(`stg-${size} m=${m}: planner mean ${res.planner.mean}% max ${res.planner.max}%  (${res.plannerMs.mean} ms)`);
  }
}

// STG 300 against the lower bound max(CP, ceil(W/m)).
{
  const files = readdirSync(join(dataDir, 'stg', '300')).filter((f) => f.endsWith('.stg')).sort();
  const picked = quick ? files.filter((_, i) => i % 6 === 0) : files;
  for (const m of SLOTS) {
    const items = picked.map((f) => {
      const g = stgGraph(`300/${f}`);
      return { g, ref: lowerBoundCeil(g, m), proven: true };
    });
    const res = runSet('stg-300', m, items, 'lower bound max(CP, ceil(W/m))');
    results.push(res);
    log(`stg-300 m=${m}: planner mean ${res.planner.mean}% max ${res.planner.max}%  (${res.plannerMs.mean} ms)`);
  }
}

// WfCommons traces: FIFO vs planner against max(CP, W/m).
interface TraceResult {
  trace: string;
  tasks: number;
  edges: number;
  m: number;
  lowerBound: number;
  fifo: number;
  hlfet: number;
  planner: number;
  fifoPct: number;
  plannerPct: number;
  rule: string;
  plannerMs: number;
  better: boolean;
  recordedMakespan?: number;
}
const traces: TraceResult[] = [];
const wf: { name: string; g: TaskGraph; recorded?: number }[] = [];
for (const sub of ['pegasus', 'makeflow']) {
  for (const f of readdirSync(join(dataDir, 'wfcommons', sub)).filter((x) => x.endsWith('.json')).sort()) {
    const w = parseWfCommons(readFileSync(join(dataDir, 'wfcommons', sub, f), 'utf8'));
    wf.push({ name: `${sub}/${f.replace(/\.json$/, '')}`, g: w.graph, recorded: w.recordedMakespan });
  }
}
for (const f of readdirSync(join(dataDir, 'wfcommons', 'dax')).filter((x) => x.endsWith('.xml')).sort()) {
  const w = parseDax(readFileSync(join(dataDir, 'wfcommons', 'dax', f), 'utf8'));
  wf.push({ name: `dax/${f.replace(/\.xml$/, '')}`, g: w.graph });
}
for (const m of WF_SLOTS) {
  for (const { name, g, recorded } of wf) {
    const lb = lowerBound(g, m);
    const fifo = makespan(g, m, fifoPriorities(g));
    const hlfet = makespan(g, m, hlfetPriorities(g));
    const t0 = performance.now();
    const plan = planPriorities(g, m, planOpts);
    const t = performance.now() - t0;
    const row: TraceResult = {
      trace: name,
      tasks: g.ids.length,
      edges: edgeCount(g),
      m,
      lowerBound: round(lb, 2),
      fifo: round(fifo, 2),
      hlfet: round(hlfet, 2),
      planner: round(plan.makespan, 2),
      fifoPct: round(pct(fifo, lb), 2),
      plannerPct: round(pct(plan.makespan, lb), 2),
      rule: plan.rule,
      plannerMs: round(t, 2),
      better: plan.makespan < fifo - 1e-9,
    };
    if (recorded !== undefined) row.recordedMakespan = recorded;
    traces.push(row);
  }
}

// Output.
const out: string[] = [];
out.push(`Scheduling quality${quick ? ' (--quick: every 6th STG graph)' : ''}; planner: default iterations ${planOpts.iterations ?? DEFAULT_ITERATIONS}, seed ${planOpts.seed}`);
out.push('');
out.push('| set | m | graphs | reference | FIFO mean / max % | HLFET mean / max % | planner mean / max % | planner at ref | planner ms mean / max | goal |');
out.push('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const ref = r.set === 'stg-300' ? 'LB' : `OPT (${r.unprovenRefs} UB)`;
  const goal = r.goal ? `${r.goal}: ${r.goalMet ? 'met' : 'NOT met'}` : '';
  out.push(
    `| ${r.set} | ${r.m} | ${r.graphs} | ${ref} | ${r.fifo.mean} / ${r.fifo.max} | ${r.hlfet.mean} / ${r.hlfet.max} | ` +
      `${r.planner.mean} / ${r.planner.max} | ${r.plannerAtReference}/${r.graphs} | ${round(r.plannerMs.mean, 2)} / ${round(r.plannerMs.max, 2)} | ${goal} |`,
  );
}
out.push('');
out.push('| trace | tasks | edges | m | lower bound s | FIFO s (% over LB) | HLFET s | planner s (% over LB) | planner better than FIFO | planner ms |');
out.push('|---|---|---|---|---|---|---|---|---|---|');
for (const t of traces) {
  out.push(
    `| ${t.trace} | ${t.tasks} | ${t.edges} | ${t.m} | ${t.lowerBound} | ${t.fifo} (${t.fifoPct}) | ${t.hlfet} | ` +
      `${t.planner} (${t.plannerPct}) | ${t.better ? 'yes' : t.fifo <= t.lowerBound + 1e-6 ? 'no (FIFO at LB)' : 'NO'} | ${t.plannerMs} |`,
  );
}
const better = traces.filter((t) => t.better).length;
const fifoAtLb = traces.filter((t) => !t.better && t.fifo <= t.lowerBound + 1e-6).length;
const worse = traces.filter((t) => t.planner > t.fifo + 1e-9).length;
out.push('');
out.push(
  `WfCommons: planner better than FIFO on ${better} of ${traces.length} (trace, m) runs; ${fifoAtLb} ties where FIFO ` +
    `already reaches the lower bound (optimal); ${worse} worse.`,
);
const allMs = results.map((r) => r.plannerMs.max);
const allMean = results.reduce((a, r) => a + r.plannerMs.mean * r.graphs, 0) / results.reduce((a, r) => a + r.graphs, 0);
out.push(`Planner time over all STG runs: mean ${round(allMean, 2)} ms, worst graph ${round(Math.max(...allMs), 2)} ms.`);
process.stdout.write(out.join('\n') + '\n');
if (!quick) {
  writeFileSync(
    repoPath('bench', 'scheduling-results.json'),
    JSON.stringify({ dataDir, planner: { iterations: planOpts.iterations ?? DEFAULT_ITERATIONS, budgetSteps: planOpts.budgetSteps ?? DEFAULT_BUDGET_STEPS, seed: planOpts.seed }, node: process.version, stg: results, wfcommons: traces }, null, 2) + '\n',
  );
}
