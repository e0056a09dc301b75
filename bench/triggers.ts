/**
 * Trigger scheduling on a real clock: N flows whose plans are all due within one window (default 10,000
 * within 60 s), fired by the real TriggerScheduler and Launcher into a SQLite (or PostgreSQL) store. Reports
 * the fire skew (run created - planned instant) p50/p99/max and the CPU used.
 * Run: `node dist/bench/triggers.js [--plans N] [--seconds S] [--postgres]`.
 */
import { performance } from 'node:perf_hooks';
import type { FlowDef } from '../src/defs/model.js';
import { SystemClock } from '../src/engine/clock.js';
import { FireStore } from '../src/store/fires.js';
import { openStore } from '../src/store/open.js';
import { Launcher } from '../src/triggers/launcher.js';
import { TriggerScheduler, type PlanSource } from '../src/triggers/scheduler.js';
import { usePostgres } from '../test/support/postgres.js';
import { tempDir } from '../test/support/tmp.js';
import { percentile } from './engine-bench.js';

function flow(i: number): FlowDef {
  return {
    name: `f${i}`, file: 'bench', params: [], priority: 0,
    jobs: [{
      name: 'a', kind: 'noop', env: {}, killGraceMs: 0, successCodes: [0], after: [], enabled: true, extends: [], locks: [], priority: 0,
      retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 },
    }],
    schedule: {
      triggers: [{ kind: 'cron', cron: 'bench', zone: 'UTC', key: 'bench' }], overlap: 'allow', jitterMs: 0, oncePerBusinessDate: false,
      catchup: { policy: 'none', windowMs: 0, max: 1 },
    },
  };
}

/** A plan with one instant. */
function once(at: number): PlanSource {
  const instant = { at, businessDate: new Date(at).toISOString().slice(0, 10) };
  return { next: (after) => (after < at ? instant : undefined), between: (from, to) => (at >= from && at <= to ? [instant] : []) };
}

export async function triggerBench(plans: number, seconds: number, databaseUrl?: string): Promise<{ p50: number; p99: number; max: number; cpuMs: number; fired: number }> {
  const dir = tempDir('ordo-trigbench-');
  const store = await openStore({ stateDir: dir.path, databaseUrl });
  const fires = new FireStore(store.sql);
  const clock = new SystemClock();
  const skews: number[] = [];
  const flows = new Map<string, FlowDef>();
  const start = Date.now() + 2000;
  const due = new Map<string, number>();
  for (let i = 0; i < plans; i++) {
    const f = flow(i);
    flows.set(f.name, f);
    due.set(f.name, start + Math.floor((i / plans) * seconds * 1000));
  }
  const launcher = new Launcher({
    store, fires, now: () => Date.now(), ownerAlive: () => false,
    onRun: (_runId, fire) => skews.push(Date.now() - fire.at),
  });
  const scheduler = new TriggerScheduler({
    store, fires, launcher, clock, flows, planOf: (_t, f) => once(due.get(f.name)!), projectDir: dir.path, pollMs: 1000,
  });
  try {
    await scheduler.start();
    const cpu0 = process.cpuUsage();
    const deadline = performance.now() + (seconds + 30) * 1000;
    while (skews.length < plans && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const cpu = process.cpuUsage(cpu0);
    const sorted = [...skews].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, cpuMs: (cpu.user + cpu.system) / 1000, fired: skews.length };
  } finally {
    await scheduler.stop();
    await store.close();
    dir.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const arg = (name: string, def: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : def);
  const pg = args.includes('--postgres') ? await usePostgres() : undefined;
  try {
    const r = await triggerBench(arg('--plans', 10_000), arg('--seconds', 60), pg?.url);
    process.stdout.write(`${r.fired} fires on ${pg ? 'PostgreSQL' : 'SQLite'}: skew p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms; CPU ${Math.round(r.cpuMs)} ms\n`);
  } finally {
    await pg?.release();
  }
}
