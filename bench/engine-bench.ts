/**
 * Engine benchmarks on a real store: throughput of independent no-op tasks, latency of a chain, and a
 * 100,000-task flow (load time, run time, peak RSS). Flows are generated as YAML and loaded by the real
 * loader, so load time includes parsing and validation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadProject } from '../src/defs/load.js';
import type { FlowDef } from '../src/defs/model.js';
import { flowFingerprint } from '../src/defs/version.js';
import { SystemClock } from '../src/engine/clock.js';
import { Engine } from '../src/engine/engine.js';
import type { AttemptHandle, AttemptRequest, Executor } from '../src/engine/ports.js';
import { NoopExecutor } from '../src/exec/noop.js';
import type { OrdoStore } from '../src/store/ordo-store.js';

/** Records when each attempt started, around the real no-op executor. */
class TimedNoop implements Executor {
  readonly kinds = ['noop'] as const;
  readonly starts: number[] = [];
  private readonly inner = new NoopExecutor();
  start(req: AttemptRequest): AttemptHandle {
    this.starts.push(performance.now());
    return this.inner.start(req);
  }
}

export async function flowFromYaml(yaml: string): Promise<{ def: FlowDef; loadMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-'));
  try {
    writeFileSync(join(dir, 'ordo.yaml'), '');
    writeFileSync(join(dir, 'flow.yaml'), yaml);
    const t0 = performance.now();
    const { project, diagnostics } = await loadProject(dir);
    const loadMs = performance.now() - t0;
    if (!project) throw new Error(`bench flow invalid: ${diagnostics[0]?.message}`);
    return { def: [...project.flows.values()][0]!, loadMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function independentYaml(n: number): string {
  const lines = ['flow: independent', 'jobs:'];
  for (let i = 0; i < n; i++) lines.push(`  t${i}: { kind: noop }`);
  return lines.join('\n') + '\n';
}

export function chainYaml(n: number): string {
  const lines = ['flow: chain', 'jobs:', '  s0: { kind: noop }'];
  for (let i = 1; i < n; i++) lines.push(`  s${i}: { kind: noop, after: [s${i - 1}] }`);
  return lines.join('\n') + '\n';
}

/** Layers of 100 parallel tasks, each layer waiting on one task of the previous layer. */
export function wideYaml(n: number): string {
  const lines = ['flow: wide', 'jobs:'];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / 100);
    lines.push(layer === 0 ? `  t${i}: { kind: noop }` : `  t${i}: { kind: noop, after: [t${(layer - 1) * 100}] }`);
  }
  return lines.join('\n') + '\n';
}

export interface RunFigures {
  tasks: number;
  runMs: number;
  tasksPerSec: number;
  starts: number[];
}

export async function runFlow(store: OrdoStore, def: FlowDef, maxParallel: number): Promise<RunFigures> {
  const executor = new TimedNoop();
  const engine = new Engine({ store, clock: new SystemClock(), executors: [executor], owner: `bench/${process.pid}/${Math.random()}`, maxParallel });
  try {
    const t0 = performance.now();
    const run = await engine.createRun(def, flowFingerprint(def), {});
    const summary = await engine.drive(run.id);
    const runMs = performance.now() - t0;
    if (summary.run.state !== 'succeeded') throw new Error(`bench run ended ${summary.run.state}`);
    return { tasks: def.jobs.length, runMs, tasksPerSec: (def.jobs.length / runMs) * 1000, starts: executor.starts };
  } finally {
    await engine.close();
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Time from one chain step's start to the next one's: the engine's per-step overhead. */
export function stepLatencies(starts: number[]): { p50: number; p99: number } {
  const deltas = starts.slice(1).map((t, i) => t - starts[i]!).sort((a, b) => a - b);
  return { p50: percentile(deltas, 50), p99: percentile(deltas, 99) };
}
