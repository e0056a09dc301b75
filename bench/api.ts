/**
 * The JobCenter API end to end (issue 6): remote workers over the WebSocket on loopback doing a no-op
 * action. Measures throughput (actions completed per second) with 1 worker x 50 slots and with 4 workers
 * x 50 slots, and the latency of `call` of a one-step workflow (sequential, p50/p99), on SQLite and on
 * PostgreSQL. The workers and the client run in a second process (bench/api-load.ts). Writes
 * bench/api-results.json.
 * Run: `node dist/bench/api.js [--jobs N] [--calls N] [--sqlite-only | --postgres-only]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { startOrdoServer, type OrdoServer } from '../src/api/serve.js';
import { hashToken, newToken } from '../src/auth/secrets.js';
import { loadProject } from '../src/defs/load.js';
import { repoPath } from '../src/paths.js';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Latency, LoadPhase, Throughput } from './api-load.js';
import { createToken } from '../src/store/auth.js';
import { usePostgres, type TestDatabase } from '../test/support/postgres.js';
import { tempDir } from '../test/support/tmp.js';
import { cpuSince } from './cpu.js';

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
      logger: pino({ level: process.env.ORDO_BENCH_LOG ?? 'silent' }), version: 'bench', host: '127.0.0.1', port: 0, triggers: false,
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

/** Runs one phase in a separate process (the workers and the client), as real workers are: the server's
 * process then does only the server's work, and the load uses the machine's other core. */
function inLoadProcess<T>(b: Backend, phase: LoadPhase): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./api-load.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: { ok: true; value: T } | { ok: false; error: string } | undefined;
    child.on('message', (m) => (result = m as typeof result));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result?.ok) resolve(result.value);
      else reject(new Error(result ? result.error : `the load process exited with ${code} and no result`));
    });
    child.send({ url: b.url, token: b.token, phase });
  });
}

/**
 * A throughput phase with the CPU time it cost per action: the server's process, and PostgreSQL's. On a busy
 * machine the rate moves with everyone's load; the CPU per action hardly does, and 1e6 / (server + database)
 * microseconds is the rate the server would reach with a core for each.
 */
export interface Measured extends Throughput { serverUsPerAction: number; postgresUsPerAction: number }

export interface BackendResult { backend: string; oneWorker: Measured; fourWorkers: Measured; call: Latency }

async function throughputPhase(b: Backend, workers: number, jobs: number): Promise<Measured> {
  const spent = cpuSince();
  const t = await inLoadProcess<Throughput>(b, { kind: 'throughput', workers, slots: 50, jobs });
  const cpu = spent();
  // The phase's warm-up calls (20) are in the CPU time too.
  const actions = jobs + 20;
  return { ...t, serverUsPerAction: cpu.serverUs / actions, postgresUsPerAction: cpu.postgresUs / actions };
}

export async function benchBackend(postgres: boolean, jobs: number, calls: number): Promise<BackendResult> {
  const b = await openBackend(postgres);
  try {
      const oneWorker = await throughputPhase(b, 1, jobs);
      const fourWorkers = await throughputPhase(b, 4, jobs);
      const call = await inLoadProcess<Latency>(b, { kind: 'latency', calls });
      return { backend: postgres ? 'postgres' : 'sqlite', oneWorker, fourWorkers, call };
  } finally {
    await b.close();
  }
}

function table(results: BackendResult[]): string {
  const rows = [['backend', '1x50 actions/s', '4x50 actions/s', 'server CPU us/action', 'postgres CPU us/action', 'call p50 ms', 'call p99 ms']];
  for (const r of results) {
    const cpu = (f: (m: Measured) => number) => `${f(r.oneWorker).toFixed(0)} / ${f(r.fourWorkers).toFixed(0)}`;
    rows.push([r.backend, r.oneWorker.actionsPerSec.toFixed(0), r.fourWorkers.actionsPerSec.toFixed(0), cpu((m) => m.serverUsPerAction),
      cpu((m) => m.postgresUsPerAction), r.call.p50Ms.toFixed(2), r.call.p99Ms.toFixed(2)]);
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
  for (const postgres of args.includes('--sqlite-only') ? [false] : args.includes('--postgres-only') ? [true] : [false, true]) {
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
