/**
 * Command jobs through the whole engine: a flow of N `true` jobs at concurrency C, each attempt a real
 * process started by the local executor, each transition committed to a SQLite store. Returns jobs/s.
 */
import { performance } from 'node:perf_hooks';
import { flowFingerprint } from '../src/defs/version.js';
import { SystemClock } from '../src/engine/clock.js';
import { Engine } from '../src/engine/engine.js';
import { LocalProcessExecutor } from '../src/exec/local.js';
import { openStore } from '../src/store/open.js';
import { tempDir } from '../test/support/tmp.js';
import { flowFromYaml } from './engine-bench.js';

export async function commandFlowRate(n: number, concurrency: number): Promise<number> {
  const dir = tempDir('ordo-cmdbench-');
  const store = await openStore({ stateDir: dir.path });
  const lines = ['flow: commands', 'jobs:'];
  for (let i = 0; i < n; i++) lines.push(`  t${i}: { command: ["true"] }`);
  const { def } = await flowFromYaml(`${lines.join('\n')}\n`);
  const engine = new Engine({
    store, clock: new SystemClock(), owner: `bench/${process.pid}/cmd`, maxParallel: concurrency,
    executors: [new LocalProcessExecutor({ stateDir: dir.path, projectDir: dir.path })],
  });
  try {
    const t0 = performance.now();
    const run = await engine.createRun(def, flowFingerprint(def), {});
    const summary = await engine.drive(run.id);
    if (summary.run.state !== 'succeeded') throw new Error(`command bench run ended ${summary.run.state}`);
    return (n / (performance.now() - t0)) * 1000;
  } finally {
    await engine.close();
    await store.close();
    dir.cleanup();
  }
}
