/**
 * `npm run bench`: the foundation benchmarks on SQLite and PostgreSQL, printed as a table and written as
 * JSON to bench/results.json. Figures only; nothing here is asserted. `--quick`: every benchmark with fewer
 * tasks, commands and calls (about a minute), for a look at the ratios, not for the figures of docs/.
 *   node dist/bench/run.js [--quick] [--only sqlite|postgres] [--skip-spawn] [--skip-api] [--big N]
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { tempDir } from '../test/support/tmp.js';
import { usePostgres } from '../test/support/postgres.js';
import { openStore } from '../src/store/open.js';
import { repoPath } from '../src/paths.js';
import { chainYaml, flowFromYaml, independentYaml, runFlow, stepLatencies, wideYaml } from './engine-bench.js';
import { benchSpawn } from './exec-spawn.js';
import { commandFlowRate } from './command-flow.js';
import { dispatchBench } from './dispatch.js';
import { benchBackend as benchApi } from './api.js';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const quick = args.includes('--quick');
const bigN = args.includes('--big') ? Number(args[args.indexOf('--big') + 1]) : quick ? 5000 : 100_000;
/** Sizes: full, or --quick. */
const size = (full: number, small: number) => (quick ? small : full);

interface Row { backend: string; bench: string; figure: string; value: number; goal: string }
const rows: Row[] = [];
const add = (backend: string, bench: string, figure: string, value: number, goal = '') => {
  rows.push({ backend, bench, figure, value: Math.round(value * 100) / 100, goal });
  process.stderr.write(`${backend.padEnd(9)} ${bench.padEnd(26)} ${figure.padEnd(14)} ${rows[rows.length - 1]!.value}${goal ? `  (goal ${goal})` : ''}\n`);
};

async function benchBackend(name: 'sqlite' | 'postgres') {
  const dir = tempDir('ordo-bench-');
  const pg = name === 'postgres' ? await usePostgres() : undefined;
  const open = () => openStore({ stateDir: dir.path, databaseUrl: pg?.url });
  try {
    const store = await open();
    try {
      const n = size(10_000, 2000);
      const independent = await flowFromYaml(independentYaml(n));
      const r1 = await runFlow(store, independent.def, n);
      add(name, `${n} independent no-op`, 'tasks/s', r1.tasksPerSec, name === 'sqlite' ? '>= 20000' : '>= 11000');

      const steps = size(1000, 200);
      const chain = await flowFromYaml(chainYaml(steps));
      const r2 = await runFlow(store, chain.def, 16);
      const lat = stepLatencies(r2.starts);
      add(name, `chain of ${steps} no-op`, 'step p50 ms', lat.p50, name === 'sqlite' ? '<= 1' : '<= 3');
      add(name, `chain of ${steps} no-op`, 'step p99 ms', lat.p99);
    } finally {
      await store.close();
    }

    // The big flow gets a fresh store so that its figures do not include the earlier runs' rows.
    const big = await open();
    try {
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      const t0 = performance.now();
      const loaded = await flowFromYaml(wideYaml(bigN));
      const r4 = await runFlow(big, loaded.def, 1000);
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      add(name, `${bigN} tasks`, 'load ms', loaded.loadMs);
      add(name, `${bigN} tasks`, 'run ms', r4.runMs);
      add(name, `${bigN} tasks`, 'total ms', performance.now() - t0);
      add(name, `${bigN} tasks`, 'peak RSS MiB', peak / 1024 / 1024, '< 1024');
    } finally {
      await big.close();
    }
  } finally {
    await pg?.release();
    dir.cleanup();
  }
}

if (!only || only === 'sqlite') await benchBackend('sqlite');
if (!only || only === 'postgres') await benchBackend('postgres');
if (!args.includes('--skip-spawn')) {
  // The executor against a bare spawn loop, at 2 and at 16 commands in flight, in alternating blocks (exec-spawn.ts).
  const runs = size(2000, 200);
  let bareAt2 = 0;
  for (const concurrency of [2, 16]) {
    const s = await benchSpawn({ runs, concurrency });
    const label = `${runs} \`true\` commands, c=${concurrency}`;
    add('local', label, 'bare spawn/s', s.bareRate);
    add('local', label, 'executor/s', s.executorRate);
    add('local', label, 'executor ratio', s.ratio, '>= 0.95');
    if (concurrency === 2) bareAt2 = s.bareRate;
  }
  // The same commands as jobs of one flow, through the whole engine and a SQLite store.
  const engineRate = await commandFlowRate(runs, 2);
  add('sqlite', `${runs} \`true\` command jobs, c=2`, 'engine/s', engineRate);
  add('sqlite', `${runs} \`true\` command jobs, c=2`, 'engine ratio', engineRate / bareAt2, '>= 0.9');
}

if (!args.includes('--skip-api')) {
  // One-step workflows over the JobCenter API with remote workers in a second process (api.ts).
  for (const name of ['sqlite', 'postgres'] as const) {
    if (only && only !== name) continue;
    const r = await benchApi(name === 'postgres', size(2000, 200), size(300, 30));
    add(name, 'API one-step workflows', '1x50 actions/s', r.oneWorker.actionsPerSec, name === 'sqlite' ? '>= 5000' : '>= 2000');
    add(name, 'API one-step workflows', '4x50 actions/s', r.fourWorkers.actionsPerSec, name === 'sqlite' ? '>= 5000' : '>= 2000');
    add(name, 'API one-step workflows', 'server CPU us/action', r.fourWorkers.serverUsPerAction);
    if (name === 'postgres') add(name, 'API one-step workflows', 'postgres CPU us/action', r.fourWorkers.postgresUsPerAction);
    add(name, 'API one-step workflows', 'call p50 ms', r.call.p50Ms);
  }
}

if (!args.includes('--skip-dispatch')) {
  const d = dispatchBench(10_000);
  add('memory', '10k ready tasks contending', 'decisions/s', d.decisionsPerSec);
  add('memory', '10k ready tasks contending', 'ms per dispatch', d.msPerDispatch);
}

const table = ['| backend | benchmark | figure | value | goal |', '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.backend} | ${r.bench} | ${r.figure} | ${r.value} | ${r.goal} |`)].join('\n');
process.stdout.write(`${table}\n`);
writeFileSync(repoPath('bench', 'results.json'), `${JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);
