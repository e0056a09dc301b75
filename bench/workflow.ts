/**
 * Workflow benchmarks (issue 5), on SQLite (a file, WAL, as in production) and PostgreSQL:
 * (1) 100,000 `eval` steps in one run: persisted steps per second (each step one transaction with its
 *     step-log row and its event);
 * (2) chains of 40 and of 1,000 action calls done by an in-process worker: the latency of one call step,
 *     from one call of the action to the next (the worker's result, the step that takes it, the step
 *     that makes the next call, the claim), p50 and p99. Goals: <= 1 ms on SQLite, <= 3 ms on PostgreSQL.
 *   node dist/bench/workflow.js [--only sqlite|postgres] [--steps N]
 * Figures only; nothing is asserted. Results go to bench/workflow-results.json.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { SystemClock } from '../src/engine/clock.js';
import { compileSources } from '../src/lang/compile.js';
import { repoPath } from '../src/paths.js';
import { openStore } from '../src/store/open.js';
import type { OrdoStore } from '../src/store/ordo-store.js';
import { WorkflowEngine } from '../src/wf/driver.js';
import { WfStore } from '../src/wf/store.js';
import { Worker } from '../src/worker/worker.js';
import { usePostgres } from '../test/support/postgres.js';
import { tempDir } from '../test/support/tmp.js';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const evalSteps = args.includes('--steps') ? Number(args[args.indexOf('--steps') + 1]) : 100_000;

const SOURCES = [
  { path: 'add.ac', text: 'action add:\n  in:\n    counter number\n    step number 1\n  out:\n    counter number\n' },
  {
    path: 'evals.wf',
    text: 'workflow evals:\n  in:\n    n number\n  config:\n    max_steps = 10000000\n  do:\n    eval:\n      i = 0\n    while v.i < a.n:\n      eval:\n        i += 1\n',
  },
  {
    path: 'chain.wf',
    text: 'workflow chain:\n  in:\n    n number\n  out:\n    i number\n  wfomap:\n    <i>\n  config:\n    max_steps = 10000000\n' +
      '  do:\n    eval:\n      i = 0\n    while v.i < a.n:\n      call add:\n        counter = v.i\n      into:\n        i = o.counter\n',
  },
];

interface Row { backend: string; bench: string; figure: string; value: number; goal: string }
const rows: Row[] = [];
function add(backend: string, bench: string, figure: string, value: number, goal = ''): void {
  rows.push({ backend, bench, figure, value: Math.round(value * 1000) / 1000, goal });
  process.stderr.write(`${backend.padEnd(9)} ${bench.padEnd(24)} ${figure.padEnd(16)} ${rows[rows.length - 1]!.value}${goal ? `  (goal ${goal})` : ''}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN;
}

async function withEngine<T>(store: OrdoStore, fn: (engine: WorkflowEngine, worker: Worker, calls: number[]) => Promise<T>): Promise<T> {
  const engine = new WorkflowEngine({ store: WfStore.of(store), clock: new SystemClock(), owner: `bench/${process.pid}/e` });
  const compiled = compileSources(SOURCES);
  if (compiled.diagnostics.some((d) => d.severity === 'error')) throw new Error(JSON.stringify(compiled.diagnostics));
  await engine.register(compiled);
  const calls: number[] = [];
  const worker = new Worker(engine, { pollMs: 0 });
  worker.action('add', async (input) => {
    calls.push(performance.now());
    return { counter: Number(input.counter) + Number(input.step) };
  });
  try {
    return await fn(engine, worker, calls);
  } finally {
    await worker.stop();
    await engine.close();
  }
}

async function benchBackend(name: 'sqlite' | 'postgres'): Promise<void> {
  const dir = tempDir('ordo-wf-bench-');
  const pg = name === 'postgres' ? await usePostgres() : undefined;
  const store = await openStore({ stateDir: dir.path, databaseUrl: pg?.url });
  try {
    await withEngine(store, async (engine) => {
      const n = Math.ceil(evalSteps / 2);
      const t0 = performance.now();
      const id = await engine.start('evals', { n });
      const end = await engine.result(id);
      const ms = performance.now() - t0;
      if (end.status !== 'done') throw new Error(JSON.stringify(end.error));
      const steps = (await engine.store.mustGetRun(id)).step;
      add(name, `${steps} eval steps`, 'steps/s', steps / (ms / 1000));
      add(name, `${steps} eval steps`, 'ms per step', ms / steps);
    });
    for (const length of [40, 1000]) {
      await withEngine(store, async (engine, _worker, calls) => {
        const t0 = performance.now();
        const id = await engine.start('chain', { n: length });
        const end = await engine.result(id);
        const ms = performance.now() - t0;
        if (end.status !== 'done' || end.output?.i !== length) throw new Error(JSON.stringify(end));
        const gaps = calls.slice(1).map((t, k) => t - (calls[k] as number)).sort((a, b) => a - b);
        const steps = (await engine.store.mustGetRun(id)).step;
        const goal = name === 'sqlite' ? '<= 1' : '<= 3';
        add(name, `chain of ${length} calls`, 'call p50 ms', percentile(gaps, 0.5), goal);
        add(name, `chain of ${length} calls`, 'call p99 ms', percentile(gaps, 0.99));
        add(name, `chain of ${length} calls`, 'ms per VM step', ms / steps);
      });
    }
  } finally {
    await store.close();
    await pg?.release();
    dir.cleanup();
  }
}

for (const backend of ['sqlite', 'postgres'] as const) {
  if (only && only !== backend) continue;
  await benchBackend(backend);
}
writeFileSync(repoPath('bench', 'workflow-results.json'), `${JSON.stringify({ node: process.version, at: new Date().toISOString(), rows }, null, 2)}\n`);
