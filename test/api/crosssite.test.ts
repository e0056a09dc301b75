/**
 * A web page elsewhere cannot drive the server, not even one started with `--anonymous superuser`: the
 * WebSocket upgrade and every request with a foreign `Origin` are refused with 403; bodies a page can post
 * without a CORS preflight (text/plain, forms, multipart, no content type) are refused with 415 in the
 * route's error shape. /metrics needs a token unless `--metrics-public`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openSocket, startTestServer, type TestServer } from './support.js';

const CONSOLE = 'https://console.example.com';
const RPC_OPEN = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'gates.open', params: { name: 'eod' } });

describe('cross-site requests', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ anonymousRole: 'superuser', allowOrigins: [CONSOLE] });
  });
  after(async () => t.close());

  const gateClosed = async () => {
    const rows = await t.server.rt.store.sql.query<{ closed: number | boolean }>("SELECT closed FROM resources WHERE name = 'lock:eod'");
    return rows.length === 0 || Boolean(rows[0]!.closed);
  };

  test('the WebSocket upgrade checks Origin: its own and allowed origins pass, a page elsewhere gets 403', async () => {
    await assert.rejects(openSocket(t.url, undefined, undefined, { origin: 'http://evil.example' }), /HTTP 403/);
    await assert.rejects(openSocket(t.url, undefined, undefined, { origin: 'null' }), /HTTP 403/);
    await assert.rejects(openSocket(t.url, t.tokens.user, undefined, { origin: 'http://127.0.0.1:1' }), /HTTP 403/, 'another port is another origin');
    for (const origin of [t.url, t.url.toUpperCase().replace('HTTP://', 'http://'), CONSOLE, `${CONSOLE}:443`]) {
      const s = await openSocket(t.url, undefined, undefined, { origin });
      await s.close();
    }
    const plain = await openSocket(t.url);
    await plain.close();
  });

  test('/rpc refuses bodies that are not JSON with 415 and a JSON-RPC error, and does nothing', async () => {
    const form = new FormData();
    form.set('x', RPC_OPEN);
    const bodies: Array<[string, RequestInit]> = [
      ['text/plain', { body: RPC_OPEN, headers: { 'content-type': 'text/plain' } }],
      ['form', { body: new URLSearchParams({ x: RPC_OPEN }) }],
      ['multipart', { body: form }],
      ['no content type', { body: new Blob([RPC_OPEN]) }],
    ];
    for (const [what, init] of bodies) {
      const res = await fetch(`${t.url}/rpc`, { method: 'POST', ...init });
      assert.equal(res.status, 415, what);
      const body = await res.json() as { id: null; error: { code: number; data: { code: string } } };
      assert.deepEqual([body.id, body.error.code, body.error.data.code], [null, 1013, 'ORDO_UNSUPPORTED_MEDIA_TYPE'], what);
    }
    assert.equal(await gateClosed(), true, 'none of them opened the gate');
    const json = await fetch(`${t.url}/rpc`, { method: 'POST', body: RPC_OPEN, headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.equal(json.status, 200);
    assert.equal(await gateClosed(), false);
    await fetch(`${t.url}/api/gates/eod/close`, { method: 'POST' });
  });

  test('REST refuses bodies that are not JSON with 415 in its error shape', async () => {
    const res = await fetch(`${t.url}/api/gates/eod/open`, { method: 'POST', body: '{"reason": "x"}', headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 415);
    const body = await res.json() as { error: { code: string; rpcCode: number } };
    assert.deepEqual([body.error.code, body.error.rpcCode], ['ORDO_UNSUPPORTED_MEDIA_TYPE', 1013]);
    const form = await fetch(`${t.url}/api/gates/eod/open`, { method: 'POST', body: new URLSearchParams({ reason: 'x' }) });
    assert.equal(form.status, 415);
    assert.equal(await gateClosed(), true);
  });

  test('a request from a page elsewhere is refused with 403 even without a body', async () => {
    const res = await fetch(`${t.url}/api/gates/eod/open`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    assert.equal(res.status, 403);
    assert.equal((await res.json() as { error: { code: string } }).error.code, 'ORDO_FORBIDDEN');
    const rpc = await fetch(`${t.url}/rpc`, { method: 'POST', body: RPC_OPEN, headers: { origin: 'http://evil.example', 'content-type': 'application/json' } });
    assert.equal(rpc.status, 403);
    assert.equal((await rpc.json() as { error: { data: { code: string } } }).error.data.code, 'ORDO_FORBIDDEN');
    assert.equal(await gateClosed(), true);
    const allowed = await fetch(`${t.url}/api/whoami`, { headers: { origin: CONSOLE } });
    assert.equal(allowed.status, 200);
  });
});

describe('/metrics', () => {
  test('needs a token whose role reads, unless --metrics-public (or --anonymous grants read)', async () => {
    const closed = await startTestServer();
    const open = await startTestServer({ metricsPublic: true });
    const anonymousReader = await startTestServer({ anonymousRole: 'user' });
    try {
      const get = (url: string, token?: string) => fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      const refused = await get(closed.url);
      assert.equal(refused.status, 401);
      assert.equal((await refused.json() as { error: { code: string } }).error.code, 'ORDO_UNAUTHENTICATED');
      assert.equal((await get(closed.url, 'ordo_wrong')).status, 401);
      const read = await get(closed.url, closed.tokens.user);
      assert.equal(read.status, 200);
      assert.match(await read.text(), /^ordo_queue_depth \d+$/m);
      assert.equal((await get(open.url)).status, 200);
      assert.equal((await get(anonymousReader.url)).status, 200);
    } finally {
      await closed.close();
      await open.close();
      await anonymousReader.close();
    }
  });
});
