/**
 * Scale-out on one PostgreSQL (issue 16): 1, 2 and 3 `ordo server` processes share a database; a client
 * starts independent runs round-robin over their APIs (each server drives the runs it created) and the
 * bench measures runs and tasks completed per second until every run has ended. Each server count gets a
 * fresh database so no phase inherits another's rows.
 *
 *   node dist/bench/scale-out.js [--quick] [--runs N]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { repoPath } from '../src/paths.js';
import { usePostgres } from '../test/support/postgres.js';
import { tempDir } from '../test/support/tmp.js';

const FANOUT = 8;
/** One run: a -> b1..b8 -> c, all no-op: the engine's own work, no process spawned. */
const FLOW = `flow: unit
jobs:
  a: { kind: noop }
${Array.from({ length: FANOUT }, (_, i) => `  b${i}: { kind: noop, after: [a] }`).join('\n')}
  c: { kind: noop, after: [${Array.from({ length: FANOUT }, (_, i) => `b${i}`).join(', ')}] }
`;
const TASKS_PER_RUN = FANOUT + 2;

interface Server { child: ChildProcess; api: string }

function startServer(project: string, home: string, databaseUrl: string): Promise<Server> {
  const child = spawn(process.execPath, [repoPath('dist/src/cli/main.js'), 'server', '--listen', '127.0.0.1:0', '--anonymous', 'operator', '--dir', project], {
    env: { ...process.env, ORDO_HOME: home, DATABASE_URL: databaseUrl, ORDO_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${err}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const api = /"api":"(http:\/\/[^"]+)"/.exec(err)?.[1];
      if (api) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve({ child, api });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${err}`)));
  });
}

async function rpc(api: string, method: string, params: unknown): Promise<unknown> {
  const res = await fetch(`${api}/rpc`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await res.json() as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

export interface ScaleOutRow { servers: number; runs: number; seconds: number; runsPerSec: number; tasksPerSec: number }

async function phase(servers: number, runs: number, root: string): Promise<ScaleOutRow> {
  const db = await usePostgres();
  const project = join(root, `p${servers}`);
  mkdirSync(join(project, 'flows'), { recursive: true });
  writeFileSync(join(project, 'ordo.yaml'), 'maxParallel: 64\n');
  writeFileSync(join(project, 'flows/unit.yaml'), FLOW);
  const started: Server[] = [];
  const watcher = new pg.Client({ connectionString: db.url });
  try {
    for (let i = 0; i < servers; i++) {
      const home = join(root, `h${servers}-${i}`);
      mkdirSync(home, { recursive: true });
      // One after the other: the first applies the migrations.
      started.push(await startServer(project, home, db.url));
    }
    await watcher.connect();
    // Warm-up: one run per server.
    await Promise.all(started.map((s) => rpc(s.api, 'runs.start', { flow: 'unit' })));
    const ended = async () => Number((await watcher.query("SELECT count(*) AS n FROM runs WHERE state IN ('succeeded', 'failed', 'aborted')")).rows[0].n);
    for (let i = 0; i < 600 && await ended() < servers; i++) await new Promise((r) => setTimeout(r, 50));
    const base = await ended();
    const t0 = performance.now();
    let next = 0;
    // 32 starts in flight, spread round-robin over the servers.
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < runs) {
        const i = next++;
        await rpc(started[i % servers]!.api, 'runs.start', { flow: 'unit' });
      }
    }));
    for (let i = 0; i < 12_000 && await ended() < base + runs; i++) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - t0) / 1000;
    const done = (await ended()) - base;
    if (done < runs) throw new Error(`${servers} server(s): only ${done} of ${runs} runs ended`);
    return { servers, runs, seconds, runsPerSec: runs / seconds, tasksPerSec: (runs * TASKS_PER_RUN) / seconds };
  } finally {
    await watcher.end().catch(() => {});
    for (const s of started) s.child.kill('SIGTERM');
    await Promise.all(started.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))));
    await db.release();
  }
}

export async function scaleOut(opts: { runs: number }): Promise<ScaleOutRow[]> {
  const root = tempDir('ordo-scale-');
  try {
    const rows: ScaleOutRow[] = [];
    for (const n of [1, 2, 3]) rows.push(await phase(n, opts.runs, root.path));
    return rows;
  } finally {
    root.cleanup();
  }
}

export function printScaleOut(rows: ScaleOutRow[]): void {
  const one = rows[0]!;
  for (const r of rows) {
    console.log(`scale-out  ${r.servers} server(s)  ${r.runs} runs of ${TASKS_PER_RUN} no-op tasks in ${r.seconds.toFixed(2)} s: ` +
      `${r.runsPerSec.toFixed(1)} runs/s, ${Math.round(r.tasksPerSec)} tasks/s (${(r.runsPerSec / one.runsPerSec).toFixed(2)}x one server)`);
  }
}

if (process.argv[1]?.endsWith('scale-out.js')) {
  const quick = process.argv.includes('--quick');
  const at = process.argv.indexOf('--runs');
  const runs = at > 0 ? Number(process.argv[at + 1]) : quick ? 120 : 600;
  printScaleOut(await scaleOut({ runs }));
}
