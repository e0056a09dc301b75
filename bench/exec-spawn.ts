/**
 * What the local executor costs on top of a bare spawn: `runs` executions of `true` with `concurrency` in
 * flight, once straight through node:child_process and once through LocalProcessExecutor (attempt
 * directory, input file, capped log files, attempt.log, result check). Figures only; nothing is asserted.
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
}

/** Runs `one(i)` for i in [0, runs) with at most `concurrency` in flight; returns completions per second. */
async function rate(runs: number, concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < runs) await one(next++);
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return runs / ((performance.now() - t0) / 1000);
}

/**
 * The baseline is a spawn as the executor needs it at the least: stdin closed, stdout and stderr piped and
 * read to the end ('close'). So the ratio prices the executor's own work (attempt directory, input file,
 * attempt.log, process group, result check), not the pipes that any output capture needs.
 */
function bareTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  const bareRate = await rate(runs, concurrency, bareTrue);

  const stateDir = await mkdtemp(join(tmpdir(), 'ordo-bench-spawn-'));
  try {
    const executor = new LocalProcessExecutor({ stateDir, projectDir: stateDir });
    const request = (i: number): AttemptRequest => ({
      runId: '1', taskId: i, flow: 'bench', job: TRUE_JOB, attempt: i + 1, token: 1,
      input: {}, env: {}, logMaxBytes: 1024 * 1024,
    });
    const executorRate = await rate(runs, concurrency, async (i) => {
      const outcome = await executor.start(request(i)).done;
      if (outcome.status !== 'succeeded') throw new Error(`bench attempt ${i + 1} ${outcome.status}: ${outcome.error ?? ''}`);
    });
    return { bareRate, executorRate, ratio: executorRate / bareRate };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}
