/**
 * The JobCenter API end to end (issue 6): remote workers over the WebSocket on loopback doing a no-op
 * action. Measures throughput (actions completed per second) with 1 worker x 50 slots and with 4 workers
 * x 50 slots, and the latency of `call` of a one-step workflow (sequential, p50/p99), on SQLite and on
 * PostgreSQL. Writes bench/api-results.json.
 * Run: `node dist/bench/api.js [--jobs N] [--calls N] [--sqlite-only]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { startOrdoServer, type OrdoServer } from '../src/api/serve.js';
import { hashToken, newToken } from '../src/auth/secrets.js';
import { loadProject } from '../src/defs/load.js';
import { repoPath } from '../src/paths.js';
import { OrdoClient, RemoteWorker, type JobEnd } from '../src/sdk/index.js';
import { createToken } from '../src/store/auth.js';
import { usePostgres, type TestDatabase } from '../test/support/postgres.js';
import { tempDir } from '../test/support/tmp.js';

const NOOP_AC = 'action noop:\n  in:\n    x number\n  out:\n    x number\n';
const ONE_WF = 'workflow one:\n  in:\n    x number\n  out:\n    x number\n  wfomap:\n    x = v.x\n  do:\n    call noop:\n      x = a.x\n    into:\n      <x>\n';

interface Backend {
  server: OrdoServer;
  url: string;
  token: string;
  close(): Promise<void>;
}

async function openBackend(postgres: boolean): Promise<Backend> {
  const tmp = tempDir('ordo-bench-api-');
  const projectDir = join(tmp.path, 'project');
  mkdirSync(join(projectDir, 'wf'), { recursive: true });
  writeFileSync(join(projectDir, 'ordo.yaml'), 'maxParallel: 4\n');
  writeFileSync(join(projectDir, 'wf', 'noop.ac'), NOOP_AC);
  writeFileSync(join(projectDir, 'wf', 'one.wf'), ONE_WF);
  let db: TestDatabase | undefined;
  try {
    const { project, diagnostics } = await loadProject(projectDir);
    if (!project) throw new Error(`bench project invalid: ${JSON.stringify(diagnostics)}`);
    db = postgres ? await usePostgres() : undefined;
    const server = await startOrdoServer({
      project, env: { ORDO_HOME: join(tmp.path, 'state'), ...(db ? { DATABASE_URL: db.url } : {}) },
      logger: pino({ level: 'silent' }), version: 'bench', host: '127.0.0.1', port: 0, triggers: false,
    });
    const token = newToken();
    await createToken(server.rt.store.sql, { name: 'bench', role: 'operator', user: null, hash: hashToken(token) }, 'bench', Date.now());
    const held = db;
    return {
      server, url: server.url!, token,
      async close() {
        await server.close();
        await held?.release();
        tmp.cleanup();
      },
    };
  } catch (err) {
    await db?.release();
    tmp.cleanup();
    throw err;
  }
}

async function startWorkers(b: Backend, count: number, slots: number): Promise<RemoteWorker[]> {
  const workers: RemoteWorker[] = [];
  for (let i = 0; i < count; i++) {
    const w = new RemoteWorker({ url: b.url, token: b.token, name: `bench-${count}x${slots}-${i}` });
    w.action('noop', async (input) => ({ x: Number(input.x) }), { slots });
    await w.start();
    workers.push(w);
  }
  return workers;
}

export interface Throughput { workers: number; slots: number; jobs: number; seconds: number; actionsPerSec: number; failed: number }

/** Starts `jobs` runs of `one` at once (a bounded window of outstanding create_job requests) and waits for all. */
async function throughput(b: Backend, client: OrdoClient, workers: number, slots: number, jobs: number): Promise<Throughput> {
  const ws = await startWorkers(b, workers, slots);
  try {
    // Warm-up: a few calls so that connections and statements are ready.
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.call('one', { x: i }, { timeoutMs: 30_000 })));
    const before = ws.reduce((n, w) => n + w.stats.done, 0);
    const ends: Array<Promise<JobEnd>> = [];
    const t0 = performance.now();
    let next = 0;
    // 200 create_job requests in flight at a time, so the socket is never idle and memory stays bounded.
    await Promise.all(Array.from({ length: 200 }, async () => {
      while (next < jobs) {
        const i = next++;
        const job = await client.start('one', { x: i });
        ends.push(client.wait(job, 120_000, false));
      }
    }));
    const results = await Promise.all(ends);
    const seconds = (performance.now() - t0) / 1000;
    const failed = results.filter((r) => !r.ok).length;
    const done = ws.reduce((n, w) => n + w.stats.done, 0) - before;
    return { workers, slots, jobs, seconds, actionsPerSec: done / seconds, failed };
  } finally {
    await Promise.all(ws.map((w) => w.stop()));
  }
}

export interface Latency { calls: number; p50Ms: number; p99Ms: number; meanMs: number; maxMs: number }

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function latency(b: Backend, client: OrdoClient, calls: number): Promise<Latency> {
  const [w] = await startWorkers(b, 1, 50);
  try {
    for (let i = 0; i < 50; i++) await client.call('one', { x: i }, { timeoutMs: 30_000 });
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      const out = await client.call('one', { x: i }, { timeoutMs: 30_000 });
      times.push(performance.now() - t0);
      if (out.x !== i) throw new Error(`call one(${i}) gave ${JSON.stringify(out)}`);
    }
    times.sort((a, c) => a - c);
    return {
      calls, p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99),
      meanMs: times.reduce((s, t) => s + t, 0) / times.length, maxMs: times[times.length - 1]!,
    };
  } finally {
    await w!.stop();
  }
}

export interface BackendResult { backend: string; oneWorker: Throughput; fourWorkers: Throughput; call: Latency }

async function benchBackend(postgres: boolean, jobs: number, calls: number): Promise<BackendResult> {
  const b = await openBackend(postgres);
  try {
    const client = await OrdoClient.connect({ url: b.url, token: b.token });
    try {
      const oneWorker = await throughput(b, client, 1, 50, jobs);
      const fourWorkers = await throughput(b, client, 4, 50, jobs);
      const call = await latency(b, client, calls);
      return { backend: postgres ? 'postgres' : 'sqlite', oneWorker, fourWorkers, call };
    } finally {
      await client.close();
    }
  } finally {
    await b.close();
  }
}

function table(results: BackendResult[]): string {
  const rows = [['backend', '1x50 actions/s', '4x50 actions/s', 'call p50 ms', 'call p99 ms']];
  for (const r of results) {
    rows.push([r.backend, r.oneWorker.actionsPerSec.toFixed(0), r.fourWorkers.actionsPerSec.toFixed(0), r.call.p50Ms.toFixed(2), r.call.p99Ms.toFixed(2)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => cell.padStart(widths[c]!)).join('  ')).join('\n') + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
  const jobs = arg('--jobs', 2000);
  const calls = arg('--calls', 300);
  const results: BackendResult[] = [];
  const errors: Record<string, string> = {};
  for (const postgres of args.includes('--sqlite-only') ? [false] : [false, true]) {
    const name = postgres ? 'postgres' : 'sqlite';
    try {
      results.push(await benchBackend(postgres, jobs, calls));
    } catch (err) {
      errors[name] = String((err as Error).stack ?? err);
      process.stderr.write(`${name}: ${errors[name]}\n`);
    }
  }
  process.stdout.write(table(results));
  const sqlite = results.find((r) => r.backend === 'sqlite');
  const goals = sqlite ? {
    actionsPerSec: { goal: 5000, met: Math.min(sqlite.oneWorker.actionsPerSec, sqlite.fourWorkers.actionsPerSec) >= 5000 },
    p50Ms: { goal: 2, met: sqlite.call.p50Ms <= 2 },
  } : null;
  const out = { date: new Date().toISOString(), node: process.version, jobs, calls, results, goalsOnSqlite: goals, errors };
  writeFileSync(repoPath('bench', 'api-results.json'), JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`goals on SQLite: ${JSON.stringify(goals)}\n`);
  process.exit(Object.keys(errors).length ? 1 : 0);
}
