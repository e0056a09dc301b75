/**
 * JSON-RPC over a WebSocket and live updates: a subscriber receives the state changes of runs as
 * notifications (by run, by flow, or all), in the order of the audit trail; a subscription ends with
 * unsubscribe or with the connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openSocket, rpcClient, startTestServer, waitFor, type TestServer, type TestSocket } from './support.js';

type Msg = Record<string, unknown>;
const params = (m: Msg) => m.params as Record<string, unknown>;

async function call(s: TestSocket, id: number, method: string, p: Record<string, unknown> = {}): Promise<Msg> {
  s.send({ jsonrpc: '2.0', id, method, params: p });
  const r = await s.next((m) => m.id === id, `the response to ${method}`);
  assert.ok(!('error' in r), JSON.stringify(r));
  return r.result as Msg;
}

describe('WebSocket: JSON-RPC and live updates', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.close());

  test('calls, batches and notifications over the socket', async () => {
    const s = await openSocket(t.url, t.tokens.user);
    try {
      assert.equal((await call(s, 1, 'auth.whoami')).role, 'user');
      s.send([{ jsonrpc: '2.0', id: 'a', method: 'flows.list' }, { jsonrpc: '2.0', method: 'server.health' }, { jsonrpc: '2.0', id: 'b', method: 'nope' }]);
      const batch = await s.next((m) => Array.isArray(m), 'the batch response') as unknown as Array<Msg>;
      assert.ok(Array.isArray(batch));
      assert.deepEqual(batch.map((r) => r.id).sort(), ['a', 'b']);
      s.send('{not json');
      assert.equal(((await s.next((m) => 'error' in m && m.id === null, 'parse error')).error as { code: number }).code, -32700);
    } finally {
      await s.close();
    }
  });

  test('a subscriber to a run receives its run and task transitions as notifications', async () => {
    const s = await openSocket(t.url, t.tokens.operator);
    try {
      // The gated flow waits at the closed gate: subscribe first, then let it go.
      const { run } = await call(s, 1, 'runs.start', { flow: 'gated' }) as { run: number };
      const { subscription } = await call(s, 2, 'subscribe', { runs: [run] }) as { subscription: string };
      await waitFor('held to be ready', async () => {
        const doc = await call(s, Date.now(), 'runs.get', { run }) as { tasks: Array<{ job: string; state: string }> };
        return doc.tasks.find((x) => x.job === 'held')?.state === 'ready' ? true : undefined;
      });
      await call(s, 3, 'gates.open', { name: 'eod', reason: 'test' });
      const ended = await s.next((m) => m.method === 'run.changed' && params(m).state === 'succeeded', 'run succeeded');
      assert.equal(params(ended).run, run);
      assert.equal(params(ended).flow, 'gated');
      assert.equal(params(ended).subscription, subscription);
      const changes = s.received.filter((m) => (m as Msg).method !== undefined) as Msg[];
      const held = changes.filter((m) => m.method === 'task.changed' && params(m).job === 'held').map((m) => params(m).state);
      assert.deepEqual(held.slice(-2), ['running', 'succeeded']);
      const ids = changes.map((m) => params(m).eventId as number);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in the order of the audit trail');
      assert.ok(changes.every((m) => params(m).run === run));
      await call(s, 4, 'gates.close', { name: 'eod' });
    } finally {
      await s.close();
    }
  });

  test('subscriptions by flow and to all; unsubscribe stops them; other flows are not sent', async () => {
    const byFlow = await openSocket(t.url, t.tokens.user);
    const all = await openSocket(t.url, t.tokens.user);
    const client = rpcClient(t.url, t.tokens.operator);
    try {
      const { subscription } = await call(byFlow, 1, 'subscribe', { flows: ['quick'] }) as { subscription: string };
      await call(all, 1, 'subscribe', { all: true });
      const other = await client.request('runs.start', { flow: 'params', params: { n: 1 } }) as { run: number };
      const quick = await client.request('runs.start', { flow: 'quick' }) as { run: number };
      await byFlow.next((m) => m.method === 'run.changed' && params(m).run === quick.run && params(m).state === 'succeeded', 'quick done (by flow)');
      await all.next((m) => m.method === 'run.changed' && params(m).run === other.run && params(m).state === 'succeeded', 'params done (all)');
      await all.next((m) => m.method === 'run.changed' && params(m).run === quick.run && params(m).state === 'succeeded', 'quick done (all)');
      assert.ok(byFlow.received.every((m) => (m as Msg).method === undefined || params(m as Msg).flow === 'quick'));

      assert.deepEqual(await call(byFlow, 2, 'unsubscribe', { subscription }), { subscription, removed: true });
      const count = byFlow.received.length;
      const again = await client.request('runs.start', { flow: 'quick' }) as { run: number };
      await all.next((m) => m.method === 'run.changed' && params(m).run === again.run && params(m).state === 'succeeded', 'the next run done');
      assert.equal(byFlow.received.length, count, 'nothing after unsubscribe');
    } finally {
      await byFlow.close();
      await all.close();
    }
  });

  test('the upgrade needs a valid token when one is given; anonymous callers may not subscribe', async () => {
    await assert.rejects(openSocket(t.url, 'ordo_wrong'), /HTTP 401/);
    const s = await openSocket(t.url);
    try {
      s.send({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { all: true } });
      const r = await s.next((m) => m.id === 1, 'refusal');
      assert.equal(((r.error as { data: { code: string } }).data).code, 'ORDO_UNAUTHENTICATED');
    } finally {
      await s.close();
    }
  });
});
