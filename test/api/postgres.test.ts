/**
 * The API on PostgreSQL: the same calls, and live updates of runs driven by another server on the same
 * database (the feed reads the events table, not this process's engine).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startApiServer, type ApiServer } from '../../src/api/http.js';
import { ProjectHolder } from '../../src/api/project.js';
import { loadProject } from '../../src/defs/load.js';
import { openStore } from '../../src/store/open.js';
import type { OrdoStore } from '../../src/store/ordo-store.js';
import { openSocket, rpcClient, startTestServer, waitFor, type TestServer } from './support.js';

describe('the API on PostgreSQL', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ postgres: true });
  });
  after(async () => t.close());

  test('JSON-RPC, REST and metrics on PostgreSQL', async () => {
    const client = rpcClient(t.url, t.tokens.operator);
    const { run } = await client.request('runs.start', { flow: 'params', params: { n: 7 } }) as { run: number };
    await waitFor('the run to end', async () => ((await client.request('runs.get', { run }) as { run: { state: string } }).run.state === 'succeeded' ? true : undefined));
    const logs = await client.request('runs.logs', { run, job: 'echo' }) as { text: string };
    assert.equal(logs.text, 'n=7\n');
    const rest = await fetch(`${t.url}/api/runs/${run}/events`, { headers: { authorization: `Bearer ${t.tokens.user}` } });
    assert.equal((await rest.json() as Array<{ kind: string }>).at(-1)!.kind, 'run_succeeded');
    assert.match(await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.tokens.user}` } })).text(), /^ordo_tasks\{state="running"\} 0$/m);
  });

  test('a subscriber of an API server without an engine sees the runs another server drives', async () => {
    const { project } = await loadProject(t.dir);
    const store: OrdoStore = await openStore({ stateDir: t.dir, databaseUrl: t.databaseUrl });
    let other: ApiServer | undefined;
    try {
      other = await startApiServer({
        services: { store, project: new ProjectHolder(project!), stateDir: t.dir, version: 'test', startedAt: Date.now(), now: () => Date.now() },
        logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0, feedPollMs: 50, checkResults: true,
      });
      // Tokens live in the shared database: the first server's token works on the second.
      const s = await openSocket(other.url, t.tokens.user);
      try {
        s.send({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { flows: ['quick'] } });
        await s.next((m) => m.id === 1, 'subscribed');
        const { run } = await rpcClient(t.url, t.tokens.operator).request('runs.start', { flow: 'quick' }) as { run: number };
        const done = await s.next((m) => m.method === 'run.changed' && (m.params as { state: string }).state === 'succeeded', 'the run to succeed');
        assert.equal((done.params as { run: number }).run, run);
        const kinds = s.received.filter((m) => (m as { method?: string }).method).map((m) => (m as { params: { kind: string; job?: string } }).params);
        assert.deepEqual(kinds.filter((k) => k.job === 'b').map((k) => k.kind), ['task_ready', 'task_started', 'task_succeeded']);
      } finally {
        await s.close();
      }
    } finally {
      await other?.close();
      await store.close();
    }
  });
});
