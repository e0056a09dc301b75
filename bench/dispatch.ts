/**
 * Dispatch cost: how long the dispatcher takes to decide when 10,000 ready tasks contend for locks and
 * connectors. Reports decisions per second (ready tasks ranked and checked per second of dispatcher time)
 * and the time of one full dispatch. Run: `node dist/bench/dispatch.js [--tasks N]`.
 */
import { performance } from 'node:perf_hooks';
import type { FlowDef, JobDef } from '../src/defs/model.js';
import { ActiveRun } from '../src/engine/active-run.js';
import { selectDispatch } from '../src/engine/dispatch.js';
import { claimsOf, ResourceUsage, type ResourceCatalog } from '../src/engine/resources.js';
import type { ResourceHold, RunRow, TaskRow } from '../src/engine/store.js';

function job(i: number): JobDef {
  return {
    name: `t${i}`, kind: 'noop', env: {}, killGraceMs: 5000, successCodes: [0], after: [], enabled: true, extends: [],
    retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 },
    locks: i % 3 === 0 ? [{ name: `table${i % 100}`, mode: i % 2 === 0 ? 'exclusive' : 'shared' }] : [],
    connector: i % 5 === 0 ? { name: `db${i % 10}`, exclusive: false } : undefined,
    priority: i % 7, estimateMs: 1000 + (i % 13) * 100,
  };
}

export function dispatchBench(tasks: number, rounds = 20): { decisionsPerSec: number; msPerDispatch: number; picks: number } {
  const def: FlowDef = { name: 'contend', file: 'bench', params: [], jobs: Array.from({ length: tasks }, (_, i) => job(i)), priority: 0 };
  const row: RunRow = {
    id: 1, flow: 'contend', flowVersionId: 1, state: 'running', params: {}, vars: {}, createdAt: 0, startedAt: 0, endedAt: null,
    owner: 'bench', heartbeatAt: 0, controlSeq: 0, priority: 0, statsClass: 'default', businessDate: null, fireId: null,
  };
  const rows: TaskRow[] = def.jobs.map((j, i) => ({
    id: i + 1, runId: 1, job: j.name, state: 'ready', rev: 1, attempts: 0, attemptBase: 0, notBefore: null, skipRequested: false,
    abortRequested: false, reason: null, exitCode: null, startedAt: null, endedAt: null, result: null,
  }));
  const catalog: ResourceCatalog = {
    connectors: new Map(Array.from({ length: 10 }, (_, i) => [`db${i}`, { name: `db${i}`, maxParallel: 2, environments: {} }])),
    gates: new Map(), hosts: new Map(), environment: 'default',
  };
  const run = new ActiveRun(row, def, rows, new Set());
  for (const j of def.jobs) {
    const c = claimsOf(j, catalog);
    if (c.length) run.claims.set(j.name, c);
    run.bottomLevel.set(j.name, j.estimateMs ?? 0);
  }
  // Half of the locks and every connector already partly held by running tasks elsewhere.
  const holds: ResourceHold[] = [];
  for (let i = 0; i < 50; i++) holds.push({ resource: `lock:table${i * 2}`, mode: 'shared', taskId: 1e6 + i, runId: 2, job: 'x', acquiredAt: 0 });
  for (let i = 0; i < 10; i++) holds.push({ resource: `connector:db${i}`, mode: 'shared', taskId: 2e6 + i, runId: 2, job: 'y', acquiredAt: 0 });
  let picks = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const usage = new ResourceUsage({ holds, states: new Map() });
    picks = selectDispatch({ runs: [run], now: 1000, free: 64, maxParallel: 64, usage, agingMs: 60_000 }).picks.length;
  }
  const ms = (performance.now() - t0) / rounds;
  return { decisionsPerSec: (tasks / ms) * 1000, msPerDispatch: ms, picks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const n = args.includes('--tasks') ? Number(args[args.indexOf('--tasks') + 1]) : 10_000;
  const r = dispatchBench(n);
  process.stdout.write(`${n} ready tasks contending: ${r.msPerDispatch.toFixed(2)} ms per dispatch, ` +
    `${Math.round(r.decisionsPerSec)} decisions/s, ${r.picks} picked into 64 slots\n`);
}
