/**
 * `npm run bench`: the foundation benchmarks on SQLite and PostgreSQL, printed as a table and written as
 * JSON to bench/results.json. Figures only; nothing here is asserted.
 *   node dist/bench/run.js [--only sqlite|postgres] [--skip-spawn] [--big N]
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

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const bigN = args.includes('--big') ? Number(args[args.indexOf('--big') + 1]) : 100_000;

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
      const independent = await flowFromYaml(independentYaml(10_000));
      const r1 = await runFlow(store, independent.def, 10_000);
      add(name, '10k independent no-op', 'tasks/s', r1.tasksPerSec, name === 'sqlite' ? '>= 20000' : '>= 11000');

      const chain = await flowFromYaml(chainYaml(1000));
      const r2 = await runFlow(store, chain.def, 16);
      const lat = stepLatencies(r2.starts);
      add(name, 'chain of 1000 no-op', 'step p50 ms', lat.p50, name === 'sqlite' ? '<= 1' : '<= 3');
      add(name, 'chain of 1000 no-op', 'step p99 ms', lat.p99);
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
  const s = await benchSpawn({ runs: 2000, concurrency: 2 });
  add('local', '2000 `true` commands, c=2', 'bare spawn/s', s.bareRate);
  add('local', '2000 `true` commands, c=2', 'executor/s', s.executorRate);
  add('local', '2000 `true` commands, c=2', 'executor ratio', s.ratio, '>= 0.9');
  // The same 2,000 commands as jobs of one flow, through the whole engine and a SQLite store.
  const engineRate = await commandFlowRate(2000, 2);
  add('sqlite', '2000 `true` command jobs, c=2', 'engine/s', engineRate);
  add('sqlite', '2000 `true` command jobs, c=2', 'engine ratio', engineRate / s.bareRate, '>= 0.9');
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
