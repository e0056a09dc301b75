/**
 * What the local executor costs on top of a bare spawn: `runs` executions of `true` with `concurrency` in
 * flight, once straight through node:child_process and once through LocalProcessExecutor (input file,
 * result path, capped log files, the run's attempts.log, process group, result check). Figures only;
 * nothing is asserted.
 *
 * The two (and a third figure, bare spawns in a process group of their own) are run in alternating blocks
 * after a short warm-up of each, not one after the other, so that a change in the machine's load during the
 * benchmark weighs on all alike.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JobDef } from '../src/defs/model.js';
import type { AttemptRequest } from '../src/engine/ports.js';
import { LocalProcessExecutor } from '../src/exec/local.js';

export interface SpawnBenchResult {
  /** Bare spawns of `true` per second. */
  bareRate: number;
  /** Attempts of an argv job `true` per second. */
  executorRate: number;
  /** executorRate / bareRate: 1 means the executor adds nothing. */
  ratio: number;
  /**
   * Bare spawns of `true` that lead a new process group, as the executor's do (`detached`: setsid). Where
   * the kernel groups sessions for scheduling (Linux, sched_autogroup_enabled), each new session is a new
   * scheduling group, and on a busy machine that alone slows the spawn down; compare it with bareRate.
   */
  groupRate: number;
}

/** Runs `one()` `count` times with at most `concurrency` in flight; returns the milliseconds taken. */
async function timed(count: number, concurrency: number, one: () => Promise<void>): Promise<number> {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await one();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return performance.now() - t0;
}

const BLOCKS = 10;

/**
 * The baseline is a spawn as the executor needs it at the least: stdin closed, stdout and stderr piped and
 * read to the end ('close'), exactly as the executor spawns. So the ratio prices the executor's own work
 * (input file, attempts.log, process group, environment, result check), not the pipes that any output
 * capture needs.
 */
function bareTrue(detached = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'], detached });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', () => resolve());
  });
}

const TRUE_JOB: JobDef = {
  name: 'true',
  kind: 'command',
  command: { kind: 'argv', argv: ['true'] },
  env: {},
  killGraceMs: 5000,
  retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 },
  successCodes: [0],
  after: [],
  enabled: true,
  extends: [],
  locks: [],
  priority: 0,
};

export async function benchSpawn({ runs, concurrency }: { runs: number; concurrency: number }): Promise<SpawnBenchResult> {
  const stateDir = await mkdtemp(join(tmpdir(), 'ordo-bench-spawn-'));
  const executor = new LocalProcessExecutor({ stateDir, projectDir: stateDir });
  try {
    // One job of one run, attempted again and again (each attempt number once), as retries would.
    let attempts = 0;
    const viaExecutor = async () => {
      const attempt = ++attempts;
      const req: AttemptRequest = {
        runId: '1', taskId: 1, flow: 'bench', job: TRUE_JOB, attempt, token: 1, input: {}, env: {}, logMaxBytes: 1024 * 1024,
      };
      const outcome = await executor.start(req).done;
      if (outcome.status !== 'succeeded') throw new Error(`bench attempt ${attempt} ${outcome.status}: ${outcome.error ?? ''}`);
    };
    const phases = [() => bareTrue(), viaExecutor, () => bareTrue(true)];
    const ms = [0, 0, 0];
    const warmUp = Math.min(50, runs);
    for (const one of phases) await timed(warmUp, concurrency, one);
    for (let b = 0; b < BLOCKS; b++) {
      const count = Math.floor((runs * (b + 1)) / BLOCKS) - Math.floor((runs * b) / BLOCKS);
      for (let k = 0; k < phases.length; k++) {
        const p = (b + k) % phases.length; // each block starts with another phase
        ms[p]! += await timed(count, concurrency, phases[p]!);
      }
    }
    const [bareRate, executorRate, groupRate] = ms.map((t) => runs / (t / 1000)) as [number, number, number];
    return { bareRate, executorRate, ratio: executorRate / bareRate, groupRate };
  } finally {
    executor.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}
