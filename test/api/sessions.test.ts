/**
 * The console's sessions over plain HTTP (no browser; test/console.test.ts drives one): the cookie's flags,
 * CSRF on every state-changing request (a cross-site POST without the token is refused and changes nothing),
 * a demotion applying to an open session at its next request, a changed password or a revoked token ending
 * it, logout; and sessions kept in the store: a session opened on one server works on another server of the
 * same store and after a restart of the server that opened it, and a logout anywhere ends it everywhere.
 * The store keeps only the SHA-256 of the session id. The same across two servers on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../../src/auth/secrets.js';
import { rpcClient, startTestServer, type TestServer } from './support.js';

const PASSWORD = 'correct horse battery';

interface Login {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function logIn(url: string, body: Record<string, string>): Promise<Login> {
  const res = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = /^(ordo_session=[^;]+)/.exec(setCookie)?.[1];
  assert.ok(cookie, setCookie);
  return { cookie, csrf: ((await res.json()) as { csrf: string }).csrf, setCookie };
}

/** A JSON-RPC call with the session cookie, with the CSRF token unless `csrf` is null, from `origin` if given. */
async function call(url: string, s: Login, method: string, params: Record<string, unknown> = {}, opts: { csrf?: string | null; origin?: string } = {}) {
  const csrf = opts.csrf === undefined ? s.csrf : opts.csrf;
  const res = await fetch(`${url}/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: s.cookie, ...(csrf !== null && { 'x-ordo-csrf': csrf }), ...(opts.origin && { origin: opts.origin }) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string; data?: { code?: string } } };
  return { status: res.status, result: body.result, code: body.error?.data?.code, message: body.error?.message };
}

async function whoIs(url: string, s: Login): Promise<{ name: string; role: string | null }> {
  return (await (await fetch(`${url}/auth/session`, { headers: { cookie: s.cookie } })).json()) as { name: string; role: string | null };
}

describe('console sessions', () => {
  let a: TestServer;
  before(async () => {
    a = await startTestServer();
    const su = rpcClient(a.url, a.tokens.superuser);
    for (const [name, role] of [['olga', 'operator'], ['ada', 'admin'], ['ivan', 'operator']] as const) await su.request('users.add', { name, role, password: PASSWORD });
  });
  after(async () => a.close());
  const su = () => rpcClient(a.url, a.tokens.superuser);

  test('the cookie is HttpOnly and SameSite=Strict; the store keeps only the hash of its id', async () => {
    const s = await logIn(a.url, { user: 'olga', password: PASSWORD });
    assert.match(s.setCookie, /HttpOnly/i);
    assert.match(s.setCookie, /SameSite=Strict/i);
    assert.match(s.setCookie, /Path=\//);
    const id = s.cookie.slice('ordo_session='.length);
    const rows = await a.server.rt.store.sql.query<{ id_hash: string }>('SELECT id_hash FROM console_sessions');
    assert.ok(rows.some((r) => r.id_hash === hashToken(id)));
    assert.ok(!rows.some((r) => r.id_hash === id));
    assert.deepEqual(await whoIs(a.url, s).then((w) => [w.name, w.role]), ['olga', 'operator']);
  });

  test('a cross-site POST without the CSRF token is refused and changes nothing; a wrong token too', async () => {
    const s = await logIn(a.url, { user: 'olga', password: PASSWORD });
    const closed = async () => Boolean((await a.server.rt.store.sql.query<{ closed: number | boolean }>("SELECT closed FROM resources WHERE name = 'lock:eod'"))[0]?.closed);
    await su().request('gates.close', { name: 'eod' });
    const noToken = await call(a.url, s, 'gates.open', { name: 'eod' }, { csrf: null });
    assert.deepEqual([noToken.status, noToken.code], [403, 'ORDO_FORBIDDEN']);
    assert.match(noToken.message ?? '', /CSRF/);
    const wrong = await call(a.url, s, 'gates.open', { name: 'eod' }, { csrf: 'x'.repeat(s.csrf.length) });
    assert.deepEqual([wrong.status, wrong.code], [403, 'ORDO_FORBIDDEN']);
    const foreign = await call(a.url, s, 'gates.open', { name: 'eod' }, { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403, 'a foreign Origin is refused even with the token');
    assert.equal(await closed(), true, 'the gate is still closed');
    const ok = await call(a.url, s, 'gates.open', { name: 'eod' });
    assert.deepEqual(ok.result, { name: 'eod', closed: false });
    // Logging out changes state too: without the token the session stays.
    const out = await fetch(`${a.url}/auth/logout`, { method: 'POST', headers: { cookie: s.cookie } });
    assert.equal(out.status, 403);
    assert.equal((await whoIs(a.url, s)).role, 'operator');
  });

  test("a demoted user's open session has the lower role at its next request; promoted back, the higher", async () => {
    const s = await logIn(a.url, { user: 'ivan', password: PASSWORD });
    assert.ok(Array.isArray((await call(a.url, s, 'runs.list')).result));
    assert.deepEqual((await call(a.url, s, 'gates.open', { name: 'eod' })).result, { name: 'eod', closed: false });
    await su().request('users.add', { name: 'ivan', role: 'user', replace: true });
    const refused = await call(a.url, s, 'gates.open', { name: 'eod' });
    assert.equal(refused.code, 'ORDO_FORBIDDEN');
    assert.match(refused.message ?? '', /role user may not/);
    assert.equal((await whoIs(a.url, s)).role, 'user');
    assert.ok(Array.isArray((await call(a.url, s, 'runs.list')).result), 'still a reader');
    await su().request('users.add', { name: 'ivan', role: 'operator', replace: true });
    assert.deepEqual((await call(a.url, s, 'gates.open', { name: 'eod' })).result, { name: 'eod', closed: false });
  });

  test("an operator's session may not call admin methods; an admin's may", async () => {
    const op = await logIn(a.url, { user: 'olga', password: PASSWORD });
    for (const method of ['users.list', 'tokens.list']) assert.equal((await call(a.url, op, method)).code, 'ORDO_FORBIDDEN', method);
    assert.equal((await call(a.url, op, 'users.add', { name: 'mallory', role: 'superuser', password: PASSWORD })).code, 'ORDO_FORBIDDEN');
    const admin = await logIn(a.url, { user: 'ada', password: PASSWORD });
    assert.ok(Array.isArray((await call(a.url, admin, 'users.list')).result));
  });

  test('a changed password or a revoked token ends the session; logout ends it', async () => {
    const s = await logIn(a.url, { user: 'ivan', password: PASSWORD });
    await su().request('users.add', { name: 'ivan', role: 'operator', password: 'another long password', replace: true });
    assert.equal((await call(a.url, s, 'runs.list')).code, 'ORDO_UNAUTHENTICATED');
    assert.equal((await whoIs(a.url, s)).role, null);
    const { token } = await su().request('tokens.create', { name: 'console-t', role: 'operator' }) as { token: string };
    const t = await logIn(a.url, { token });
    assert.equal((await whoIs(a.url, t)).name, 'console-t');
    await su().request('tokens.revoke', { name: 'console-t' });
    assert.equal((await call(a.url, t, 'runs.list')).code, 'ORDO_UNAUTHENTICATED');
    const o = await logIn(a.url, { user: 'olga', password: PASSWORD });
    const out = await fetch(`${a.url}/auth/logout`, { method: 'POST', headers: { cookie: o.cookie, 'x-ordo-csrf': o.csrf } });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /ordo_session=;/);
    assert.equal((await call(a.url, o, 'runs.list')).code, 'ORDO_UNAUTHENTICATED');
  });

  test('sessions live in the store: another server of the store and a restarted server know them; a logout ends them everywhere', async () => {
    let b: TestServer | undefined = await startTestServer({ stateDir: a.stateDir });
    let c: TestServer | undefined;
    try {
      const s = await logIn(b.url, { user: 'olga', password: PASSWORD });
      assert.equal((await whoIs(a.url, s)).name, 'olga', 'the other server knows the session');
      assert.ok(Array.isArray((await call(a.url, s, 'runs.list')).result));
      await b.close();
      b = undefined;
      c = await startTestServer({ stateDir: a.stateDir });
      assert.equal((await whoIs(c.url, s)).name, 'olga', 'the session survived the restart');
      assert.deepEqual((await call(c.url, s, 'gates.open', { name: 'eod' })).result, { name: 'eod', closed: false });
      const out = await fetch(`${c.url}/auth/logout`, { method: 'POST', headers: { cookie: s.cookie, 'x-ordo-csrf': s.csrf } });
      assert.equal(out.status, 200);
      assert.equal((await call(a.url, s, 'runs.list')).code, 'ORDO_UNAUTHENTICATED', 'logged out on every server');
    } finally {
      await b?.close();
      await c?.close();
    }
  });
});

test('on PostgreSQL: a session opened on one server works on another server of the database, and a logout ends it on both', async () => {
  const a = await startTestServer({ postgres: true });
  let b: TestServer | undefined;
  try {
    await rpcClient(a.url, a.tokens.superuser).request('users.add', { name: 'olga', role: 'operator', password: PASSWORD });
    b = await startTestServer({ postgres: true, databaseUrl: a.databaseUrl });
    const s = await logIn(a.url, { user: 'olga', password: PASSWORD });
    assert.equal((await whoIs(b.url, s)).role, 'operator');
    assert.deepEqual((await call(b.url, s, 'gates.open', { name: 'eod' })).result, { name: 'eod', closed: false });
    await rpcClient(a.url, a.tokens.superuser).request('users.add', { name: 'olga', role: 'user', replace: true });
    assert.equal((await call(b.url, s, 'gates.open', { name: 'eod' })).code, 'ORDO_FORBIDDEN', 'demoted on the other server too');
    const out = await fetch(`${b.url}/auth/logout`, { method: 'POST', headers: { cookie: s.cookie, 'x-ordo-csrf': s.csrf } });
    assert.equal(out.status, 200);
    assert.equal((await call(a.url, s, 'runs.list')).code, 'ORDO_UNAUTHENTICATED');
  } finally {
    await b?.close();
    await a.close();
  }
});
