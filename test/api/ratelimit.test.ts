/**
 * Guessing tokens and passwords is limited per client address: after 10 failures a minute (bad bearer
 * tokens on HTTP, failed `hello`s over HTTP and WebSocket) the address gets HTTP 429 / ORDO_RATE_LIMITED,
 * even for a right guess, while other addresses go on. Each part uses its own loopback address
 * (127.0.0.x), which Linux routes to the server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { addUser } from '../../src/auth/manage.js';
import { openSocket, startTestServer, type TestServer, type TestSocket } from './support.js';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: Record<string, unknown> }

/** A POST of JSON from a given local address. */
function postFrom(localAddress: string, url: string, path: string, body: unknown, token?: string): Promise<Answer> {
  const { hostname, port } = new URL(url);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({
      host: hostname, port, path, method: 'POST', localAddress,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8').on('data', (d: string) => (data += d)).on('end', () => {
        resolve({ status: res.statusCode!, headers: res.headers, body: data ? JSON.parse(data) as Record<string, unknown> : {} });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

const hello = (who: string, token: string) => ({ jsonrpc: '2.0', id: 1, method: 'hello', params: { who, method: 'password', token } });
const codeOf = (a: Answer) => ((a.body.error as { data?: { code: string } } | undefined)?.data?.code);

let nextId = 1;
async function wsHello(s: TestSocket, who: string, token: string): Promise<Record<string, unknown>> {
  const id = nextId++;
  s.send({ ...hello(who, token), id });
  return s.next((m) => m.id === id, 'the answer to hello');
}

describe('failed authentications are limited per client address', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await addUser(t.server.rt.store.sql, { name: 'carol', role: 'operator', password: 'carol password' }, 'test', Date.now());
  });
  after(async () => t.close());

  test('bad bearer tokens: 401 ten times, then 429 with Retry-After even for a valid token; another address goes on', async () => {
    const from = '127.0.0.2';
    const whoami = { jsonrpc: '2.0', id: 1, method: 'auth.whoami' };
    for (let i = 0; i < 10; i++) {
      const a = await postFrom(from, t.url, '/rpc', whoami, `ordo_guess${i}`);
      assert.equal(a.status, 401, `guess ${i}`);
    }
    const limited = await postFrom(from, t.url, '/rpc', whoami, t.tokens.superuser);
    assert.equal(limited.status, 429, 'a right guess is not confirmed while blocked');
    assert.equal(codeOf(limited), 'ORDO_RATE_LIMITED');
    assert.equal((limited.body.error as { code: number }).code, 1014);
    assert.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60);
    const rest = await postFrom(from, t.url, '/api/flows/reload', {}, t.tokens.superuser);
    assert.deepEqual([rest.status, (rest.body.error as { code: string }).code], [429, 'ORDO_RATE_LIMITED']);
    await assert.rejects(openSocket(t.url, t.tokens.user, undefined, { localAddress: from }), /HTTP 429/);
    const anonymous = await postFrom(from, t.url, '/rpc', { jsonrpc: '2.0', id: 1, method: 'server.health' });
    assert.equal(anonymous.status, 200, 'a caller that presents nothing guesses nothing');
    const other = await postFrom('127.0.0.3', t.url, '/rpc', whoami, t.tokens.user);
    assert.deepEqual([other.status, (other.body.result as { role: string }).role], [200, 'user']);
  });

  test('hello over HTTP and WebSocket: ten refusals, then ORDO_RATE_LIMITED even for the right password', async () => {
    const from = '127.0.0.4';
    const s = await openSocket(t.url, undefined, undefined, { localAddress: from });
    try {
      for (let i = 0; i < 5; i++) {
        const a = await postFrom(from, t.url, '/rpc', hello('carol', `guess ${i}`));
        assert.deepEqual(a.body.result, [false, "you're not welcome!"]);
        assert.deepEqual((await wsHello(s, 'carol', `ws guess ${i}`)).result, [false, "you're not welcome!"]);
      }
      const overWs = await wsHello(s, 'carol', 'carol password');
      assert.equal((overWs.error as { code: number; data: { code: string } }).data.code, 'ORDO_RATE_LIMITED');
      assert.equal((overWs.error as { code: number }).code, 1014);
      const overHttp = await postFrom(from, t.url, '/rpc', hello('carol', 'carol password'));
      assert.equal(codeOf(overHttp), 'ORDO_RATE_LIMITED');
    } finally {
      await s.close();
    }
    const elsewhere = await postFrom('127.0.0.5', t.url, '/rpc', hello('carol', 'carol password'));
    assert.deepEqual(elsewhere.body.result, [true, 'welcome to the clientapi carol!']);
  });

  test('a success resets nothing: nine failures, a success, one more failure, and the address is blocked', async () => {
    const from = '127.0.0.6';
    for (let i = 0; i < 9; i++) assert.deepEqual((await postFrom(from, t.url, '/rpc', hello('carol', `nope ${i}`))).body.result, [false, "you're not welcome!"]);
    assert.deepEqual((await postFrom(from, t.url, '/rpc', hello('carol', 'carol password'))).body.result, [true, 'welcome to the clientapi carol!']);
    assert.deepEqual((await postFrom(from, t.url, '/rpc', hello('carol', 'nope 9'))).body.result, [false, "you're not welcome!"]);
    assert.equal(codeOf(await postFrom(from, t.url, '/rpc', hello('carol', 'carol password'))), 'ORDO_RATE_LIMITED');
  });
});
