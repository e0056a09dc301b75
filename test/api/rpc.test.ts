/**
 * JSON-RPC 2.0 over HTTP against a real server, driven by an independent client library (json-rpc-2.0 from
 * npm) and, for what no well-behaved client sends, by raw POSTs: ids, batches, notifications, every error
 * code, the size limit, and a token that is not valid.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JSONRPCErrorException } from 'json-rpc-2.0';
import { openSocket, postRaw, rpcClient, startTestServer, waitFor, type TestServer } from './support.js';

async function rejects(p: PromiseLike<unknown>, code: number, ordo?: string): Promise<JSONRPCErrorException> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof JSONRPCErrorException, String(err));
    assert.equal(err.code, code, err.message);
    if (ordo) assert.equal((err.data as { code: string }).code, ordo);
    return err;
  }
  assert.fail(`expected error ${code}`);
}

describe('JSON-RPC 2.0 over HTTP', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ maxMessageBytes: 4096 });
  });
  after(async () => t.close());

  test('a request and its result; the id comes back as sent (string, number, null)', async () => {
    const client = rpcClient(t.url, t.tokens.user);
    assert.deepEqual(await client.request('auth.whoami', {}), { name: 't-user', role: 'user', permissions: ['public', 'read'] });
    const health = await client.request('server.health', {}) as { status: string; ready: boolean };
    assert.equal(health.status, 'ok');
    assert.equal(health.ready, true);
    const byString = await client.requestAdvanced({ jsonrpc: '2.0', id: 'req-α', method: 'flows.list' });
    assert.equal(byString.id, 'req-α');
    assert.ok(Array.isArray((byString as { result: unknown[] }).result));
    for (const id of [0, -7, 3.5, null]) {
      const r = await postRaw(t.url, JSON.stringify({ jsonrpc: '2.0', id, method: 'server.health' }));
      assert.equal(r.status, 200);
      assert.equal((r.json as { id: unknown }).id, id);
    }
  });

  test('a batch is answered by an array of the responses to its requests, not its notifications', async () => {
    const client = rpcClient(t.url, t.tokens.operator);
    const responses = await client.requestAdvanced([
      { jsonrpc: '2.0', id: 1, method: 'runs.start', params: { flow: 'quick' } },
      { jsonrpc: '2.0', method: 'server.health' },
      { jsonrpc: '2.0', id: 2, method: 'flows.get', params: { flow: 'quick' } },
      { jsonrpc: '2.0', id: 3, method: 'no.such.method' },
    ]);
    assert.equal(responses.length, 3);
    const byId = new Map(responses.map((r) => [r.id, r]));
    assert.equal(typeof (byId.get(1) as { result: { run: number } }).result.run, 'number');
    assert.equal((byId.get(2) as { result: { name: string } }).result.name, 'quick');
    assert.equal((byId.get(3) as { error: { code: number } }).error.code, -32601);
  });

  test('notifications get no response (HTTP 204), also when they fail, and still act', async () => {
    const client = rpcClient(t.url, t.tokens.operator);
    const before = (await client.request('runs.list', { flow: 'quick', limit: 1000 }) as unknown[]).length;
    client.notify('runs.start', { flow: 'quick' });
    client.notify('no.such.method', {});
    await waitFor('the notified run', async () =>
      ((await client.request('runs.list', { flow: 'quick', limit: 1000 }) as unknown[]).length === before + 1 ? true : undefined));
    const only = await postRaw(t.url, JSON.stringify([{ jsonrpc: '2.0', method: 'server.health' }, { jsonrpc: '2.0', method: 'nope' }]), t.tokens.user);
    assert.equal(only.status, 204);
    assert.equal(only.text, '');
    const single = await postRaw(t.url, JSON.stringify({ jsonrpc: '2.0', method: 'runs.get', params: { run: 'x' } }), t.tokens.user);
    assert.equal(single.status, 204);
  });

  test('-32700 parse error, with id null', async () => {
    const r = await postRaw(t.url, '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]');
    assert.equal(r.status, 200);
    assert.deepEqual((r.json as { id: unknown }).id, null);
    assert.equal((r.json as { error: { code: number } }).error.code, -32700);
    const batch = await postRaw(t.url, '[{"jsonrpc": "2.0", "method": "server.health", "id": "1"},{"jsonrpc": "2.0", "method"]');
    assert.equal((batch.json as { error: { code: number } }).error.code, -32700);
  });

  test('-32600 invalid request: wrong shapes, an empty batch, a batch of non-requests', async () => {
    const one = (body: string) => postRaw(t.url, body).then((r) => r.json as { id: unknown; error: { code: number; data: { code: string } } });
    const wrong = await one('{"jsonrpc": "2.0", "method": 1, "params": "bar"}');
    assert.equal(wrong.error.code, -32600);
    assert.equal(wrong.error.data.code, 'ORDO_INVALID_REQUEST');
    assert.equal(wrong.id, null);
    assert.equal((await one('{"jsonrpc": "1.0", "method": "server.health", "id": 5}')).id, 5);
    assert.equal((await one('{"jsonrpc": "2.0", "method": "server.health", "id": {"a": 1}}')).id, null);
    assert.equal((await one('{"jsonrpc": "2.0", "method": "server.health", "params": 3, "id": 6}')).error.code, -32600);
    const empty = await one('[]');
    assert.equal(empty.error.code, -32600);
    const three = (await postRaw(t.url, '[1,2,3]')).json as Array<{ id: unknown; error: { code: number } }>;
    assert.deepEqual(three.map((r) => [r.id, r.error.code]), [[null, -32600], [null, -32600], [null, -32600]]);
  });

  test('-32601 method not found', async () => {
    await rejects(rpcClient(t.url, t.tokens.superuser).request('runs.teleport', {}), -32601, 'ORDO_METHOD_NOT_FOUND');
  });

  test('-32602 invalid params, from the JSON Schema, with every violation listed', async () => {
    const client = rpcClient(t.url, t.tokens.superuser);
    const e = await rejects(client.request('runs.get', { run: 'seven', extra: 1 }), -32602, 'ORDO_INVALID_PARAMS');
    const paths = (e.data as { errors: Array<{ path: string }> }).errors.map((x) => x.path).sort();
    assert.deepEqual(paths, ['/', '/run']);
    await rejects(client.request('runs.get', [1]), -32602);
    await rejects(client.request('runs.start', { flow: 'quick', priority: 5000 }), -32602);
    await rejects(client.request('subscribe', {}), -32602);
  });

  test('application errors carry their stable code and ORDO_* name', async () => {
    const client = rpcClient(t.url, t.tokens.superuser);
    await rejects(client.request('runs.get', { run: 999_999 }), 1004, 'ORDO_NOT_FOUND');
    await rejects(client.request('runs.start', { flow: 'params', params: { n: 'many' } }), 1002, 'ORDO_BAD_PARAM');
    await rejects(client.request('runs.start', { flow: 'nope' }), 1004, 'ORDO_NOT_FOUND');
    await rejects(client.request('gates.open', { name: 'undeclared' }), 1004, 'ORDO_NOT_FOUND');
    const { run } = await client.request('runs.start', { flow: 'quick' }) as { run: number };
    await waitFor('the run to end', async () => ((await client.request('runs.get', { run }) as { run: { state: string } }).run.state === 'succeeded' ? true : undefined));
    await rejects(client.request('runs.skip', { run, job: 'a' }), 1005, 'ORDO_BAD_STATE');
    await rejects(client.request('subscribe', { all: true }), 1005, 'ORDO_BAD_STATE');
  });

  test('a token that is not valid is refused with HTTP 401, never taken as anonymous', async () => {
    const r = await postRaw(t.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server.health' }), 'ordo_not-a-real-token');
    assert.equal(r.status, 401);
    assert.equal((r.json as { error: { code: number; data: { code: string } } }).error.data.code, 'ORDO_UNAUTHENTICATED');
    await rejects(rpcClient(t.url).request('runs.list', {}), 1008, 'ORDO_UNAUTHENTICATED');
  });

  test('messages past the size limit: -32001 and HTTP 413; over a WebSocket the connection survives', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'kv.set', params: { run: 1, key: 'k', value: 'x'.repeat(5000) } });
    const r = await postRaw(t.url, big, t.tokens.operator);
    assert.equal(r.status, 413);
    assert.equal((r.json as { error: { code: number } }).error.code, -32001);
    const s = await openSocket(t.url, t.tokens.operator);
    try {
      s.send(big);
      const err = await s.next((m) => 'error' in m, 'the size error');
      assert.equal((err.error as { code: number }).code, -32001);
      s.send({ jsonrpc: '2.0', id: 2, method: 'server.health' });
      assert.equal(((await s.next((m) => m.id === 2, 'health')).result as { status: string }).status, 'ok');
      const closed = new Promise<number>((resolve) => s.ws.once('close', (code) => resolve(code)));
      s.send('x'.repeat(4096 * 4 + 1));
      assert.equal(await closed, 1009);
    } finally {
      await s.close();
    }
  });
});
