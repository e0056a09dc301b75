/**
 * A real Ordo server for the JobCenter tests: a temp project with seed 001's calltest and add (from
 * test/lang/examples) and a few workflows and actions of its own, SQLite in the temp dir, the API and the
 * netstring listener on 127.0.0.1 with ephemeral ports, short timings, and tokens.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { startOrdoServer, type OrdoServer } from '../../src/api/serve.js';
import type { Role } from '../../src/auth/roles.js';
import { hashToken, newToken } from '../../src/auth/secrets.js';
import { loadProject } from '../../src/defs/load.js';
import { repoPath } from '../../src/paths.js';
import { createToken } from '../../src/store/auth.js';
import { usePostgres } from '../support/postgres.js';
import { tempDir } from '../support/tmp.js';
import { poll } from '../support/wait.js';

const example = (name: string) => readFileSync(repoPath('test', 'lang', 'examples', name), 'utf8');

export const FILES: Record<string, string> = {
  'ordo.yaml': 'maxParallel: 4\n',
  'wf/calltest.wf': example('calltest.wf'),
  'wf/add.ac': example('add.ac'),
  // Only callers matching the role `ops` may start it.
  'wf/secret.wf': 'workflow secret:\n  in:\n    input number\n  out:\n    output number\n  role:\n    ops\n  wfomap:\n    output = a.input\n  do:\n    return\n',
  // Only callers matching the role `pool` may announce it.
  'wf/guarded.ac': 'action guarded:\n  in:\n    x number\n  out:\n    x number\n  role:\n    pool\n',
  // Not handed out again when its worker is lost: it fails soft, retried once, then fails the run.
  'wf/fragile.ac': "action fragile:\n  in:\n    x number\n  out:\n    x number\n  config:\n    retryable = false\n    retry = object(tries: 2, interval: '0s')\n",
  'wf/fragcall.wf': 'workflow fragcall:\n  in:\n    x number\n  out:\n    x number\n  wfomap:\n    x = v.x\n  do:\n    call fragile:\n      x = a.x\n    into:\n      <x>\n',
  // Done only by workers labelled zone=dmz.
  'wf/dmz.ac': "action dmz:\n  in:\n    x number\n  out:\n    x number\n  config:\n    labels = object(zone: 'dmz')\n",
  'wf/brittle.ac': 'action brittle:\n  in:\n    x number\n  out:\n    x number\n  config:\n    retryable = false\n',
  'wf/brittlecall.wf': 'workflow brittlecall:\n  in:\n    x number\n  out:\n    x number\n  wfomap:\n    x = v.x\n  do:\n    call brittle:\n      x = a.x\n    into:\n      <x>\n',
  // Holds the lock (host, a.host) while add runs.
  'wf/lockedadd.wf': [
    'workflow lockedadd:', '  in:', '    host string', '    input number', '  out:', '    output number', '  locks:', '    host _ manual',
    '  wfomap:', '    output = v.thing', '  do:', '    lock host a.host', '    call add:', '      counter = a.input', '      step = 3',
    '    into:', '      thing = o.counter', '',
  ].join('\n'),
  'wf/waiter.wf': [
    'workflow waiter:', '  out:', '    got any', '  wfomap:', '    got = v.got', '  do:',
    "    subscribe: name = 'paid', mask = object(kind: 'order')",
    "    wait_for_event: events = array('paid'), timeout = 30", '    into:', '      got = o.event', '',
  ].join('\n'),
};

export interface JcTestServer {
  server: OrdoServer;
  dir: string;
  url: string;
  jcPort: number;
  /** A token per role, and `ops` / `pool` (operators whose token names match the role lists above). */
  tokens: Record<Role | 'ops' | 'pool', string>;
  close(): Promise<void>;
}

export interface JcServerOptions {
  workerTimeoutMs?: number;
  reconnectGraceMs?: number;
  pingMs?: number;
  pingTimeoutMs?: number;
  frameTimeoutMs?: number;
  helloTimeoutMs?: number;
  maxMessageBytes?: number;
  /** On a fresh PostgreSQL database instead of SQLite. */
  postgres?: boolean;
  /** The directory of an earlier server's project and state (SQLite), to start again on them. */
  dir?: string;
  /** Serve the netstring listener over TLS. */
  jcTls?: { cert: string; key: string };
}

export async function startJcServer(opts: JcServerOptions = {}): Promise<JcTestServer> {
  // With `dir`, the project and state of an earlier server (a restart), left for the caller to remove.
  const tmp = opts.dir ? { path: opts.dir, cleanup: () => {} } : tempDir('ordo-jcapi-');
  const projectDir = join(tmp.path, 'project');
  for (const [name, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(projectDir, name)), { recursive: true });
    writeFileSync(join(projectDir, name), text);
  }
  const { project, diagnostics } = await loadProject(projectDir);
  if (!project) throw new Error(`test project invalid: ${JSON.stringify(diagnostics)}`);
  const db = opts.postgres ? await usePostgres() : undefined;
  let server: OrdoServer;
  try {
    server = await startOrdoServer({
      project, env: { ORDO_HOME: join(tmp.path, 'state'), ...(db ? { DATABASE_URL: db.url } : {}) }, logger: pino({ level: 'silent' }), version: 'test',
      host: '127.0.0.1', port: 0, pollMs: 50, feedPollMs: 50, checkResults: true, triggers: false, maxMessageBytes: opts.maxMessageBytes,
      jcapi: { host: '127.0.0.1', port: 0, tls: opts.jcTls }, workerTimeoutMs: opts.workerTimeoutMs ?? 1500,
      jobcenter: {
        offerTimeoutMs: 400, pollMs: 100, pingMs: opts.pingMs ?? 500, pingTimeoutMs: opts.pingTimeoutMs ?? 500, helloTimeoutMs: opts.helloTimeoutMs ?? 5000,
        frameTimeoutMs: opts.frameTimeoutMs, adoptEveryMs: 200, reconnectGraceMs: opts.reconnectGraceMs,
      },
    });
  } catch (err) {
    await db?.release();
    tmp.cleanup();
    throw err;
  }
  const tokens = {} as JcTestServer['tokens'];
  const roles: Array<[keyof JcTestServer['tokens'], Role]> = [
    ['user', 'user'], ['operator', 'operator'], ['admin', 'admin'], ['superuser', 'superuser'], ['ops', 'operator'], ['pool', 'operator'],
  ];
  for (const [name, role] of roles) {
    tokens[name] = newToken();
    const tokenName = opts.dir ? `${name}-again-${Date.now()}` : name;
    await createToken(server.rt.store.sql, { name: tokenName, role, user: null, hash: hashToken(tokens[name]) }, 'test', Date.now());
  }
  return {
    server, url: server.url!, jcPort: server.jcapi!.port, tokens, dir: tmp.path,
    async close() {
      await server.close();
      await db?.release();
      tmp.cleanup();
    },
  };
}

/** Polls `fn` until it returns something other than undefined (bounded). */
export function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  return poll(what, fn, { timeoutMs, intervalMs: 20 });
}
