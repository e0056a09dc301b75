/**
 * Roles and tokens over their lifetime, on SQLite and PostgreSQL: a demoted user's tokens are demoted at
 * once (also on an open WebSocket); a revoked or expired token is refused at once (also on an open
 * WebSocket, whose subscriptions stop); an admin can neither change a superuser nor take its tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JSONRPCErrorException } from 'json-rpc-2.0';
import { addUser } from '../../src/auth/manage.js';
import { revokeToken } from '../../src/store/auth.js';
import { openSocket, rpcClient, startTestServer, type TestServer, type TestSocket } from './support.js';

type Msg = Record<string, unknown>;

let nextId = 1;
/** One call over the socket: its result, or the ORDO_* code of its error. */
async function wsCall(s: TestSocket, method: string, params: Msg = {}): Promise<{ result?: unknown; code?: string; message?: string }> {
  const id = nextId++;
  s.send({ jsonrpc: '2.0', id, method, params });
  const r = await s.next((m) => m.id === id, `the response to ${method}`);
  if ('error' in r) {
    const e = r.error as { message: string; data: { code: string } };
    return { code: e.data.code, message: e.message };
  }
  return { result: r.result };
}

/** The ORDO_* code a call failed with, or 'ok'. */
async function outcome(p: PromiseLike<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof JSONRPCErrorException, String(err));
    return (err.data as { code: string }).code;
  }
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`roles and tokens over their lifetime (${backend})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({ postgres: backend === 'postgres' });
    });
    after(async () => t.close());
    const su = () => rpcClient(t.url, t.tokens.superuser);
    const whoami = async (token: string) => {
      const res = await fetch(`${t.url}/api/whoami`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: await res.json() as { role?: string } };
    };

    test('demoting a user demotes its tokens at once: over HTTP, on an open WebSocket, and in tokens.list', async () => {
      await su().request('users.add', { name: 'ana', role: 'operator' });
      const { token } = await su().request('tokens.create', { name: 'ana-1', user: 'ana' }) as { token: string };
      const s = await openSocket(t.url, token);
      try {
        assert.deepEqual((await wsCall(s, 'gates.open', { name: 'eod' })).result, { name: 'eod', closed: false });
        await su().request('users.add', { name: 'ana', role: 'user', replace: true });
        const refused = await wsCall(s, 'gates.close', { name: 'eod' });
        assert.equal(refused.code, 'ORDO_FORBIDDEN', 'the open WebSocket has the new role at its next call');
        assert.equal(((await wsCall(s, 'auth.whoami')).result as { role: string }).role, 'user');
        assert.equal((await whoami(token)).body.role, 'user');
        const listed = await su().request('tokens.list', {}) as Array<{ name: string; role: string }>;
        assert.equal(listed.find((x) => x.name === 'ana-1')?.role, 'user', 'the stored role is narrowed too');
        // Promoting the user again does not widen a narrowed token: a new token is needed for the new role.
        await su().request('users.add', { name: 'ana', role: 'operator', replace: true });
        assert.equal((await whoami(token)).body.role, 'user');
      } finally {
        await s.close();
      }
    });

    test('a demotion written straight to the store (as `ordo user add --replace` does) reaches the open WebSocket', async () => {
      await su().request('users.add', { name: 'bo', role: 'superuser' });
      const { token } = await su().request('tokens.create', { name: 'bo-1', user: 'bo' }) as { token: string };
      const s = await openSocket(t.url, token);
      try {
        assert.equal(((await wsCall(s, 'auth.whoami')).result as { role: string }).role, 'superuser');
        await addUser(t.server.rt.store.sql, { name: 'bo', role: 'admin', replace: true }, 'cli', Date.now());
        assert.equal((await wsCall(s, 'gates.open', { name: 'eod' })).code, 'ORDO_FORBIDDEN', 'admin may not operate');
        assert.equal(((await wsCall(s, 'auth.whoami')).result as { role: string }).role, 'admin');
      } finally {
        await s.close();
      }
    });

    test('a revoked token is refused at once on an open WebSocket, which closes; its subscription stops', async () => {
      const { token } = await su().request('tokens.create', { name: 'watcher', role: 'user' }) as { token: string };
      const s = await openSocket(t.url, token);
      assert.ok((await wsCall(s, 'subscribe', { all: true })).result);
      const subscriptions = () => t.server.api!.app.hub.count;
      assert.equal(subscriptions(), 1);
      await su().request('tokens.revoke', { name: 'watcher' });
      // The revocation made this server's open connections check their credential before it answered.
      assert.equal((await s.closed).code, 1008);
      assert.equal(subscriptions(), 0, 'the subscription stopped with the revocation');
      assert.equal((await whoami(token)).status, 401);
    });

    test('a token revoked in the store (`ordo token revoke`) is refused at the next call; an idle subscriber is closed at the next check', async () => {
      const a = await su().request('tokens.create', { name: 'caller', role: 'operator' }) as { token: string };
      const b = await su().request('tokens.create', { name: 'listener', role: 'user' }) as { token: string };
      const caller = await openSocket(t.url, a.token);
      const listener = await openSocket(t.url, b.token);
      try {
        assert.ok((await wsCall(caller, 'auth.whoami')).result);
        assert.ok((await wsCall(listener, 'subscribe', { all: true })).result);
        await revokeToken(t.server.rt.store.sql, 'caller', 'cli', Date.now());
        await revokeToken(t.server.rt.store.sql, 'listener', 'cli', Date.now());
        const refused = await wsCall(caller, 'runs.list');
        assert.equal(refused.code, 'ORDO_UNAUTHENTICATED');
        assert.equal((await caller.closed).code, 1008);
        // The periodic check (every --recheck period; the test server's is long) made to happen now.
        await t.server.api!.app.connections.recheckAll();
        assert.equal((await listener.closed).code, 1008);
      } finally {
        await caller.close();
        await listener.close();
      }
    });

    test('a token with an expiry works until then and is refused after it, also on an open WebSocket', async () => {
      const before = Date.now();
      const made = await su().request('tokens.create', { name: 'temp', role: 'operator', expires: '12h' }) as { token: string; expiresAt: number };
      assert.ok(made.expiresAt >= before + 12 * 3_600_000 && made.expiresAt <= Date.now() + 12 * 3_600_000);
      const listed = await su().request('tokens.list', {}) as Array<{ name: string; expiresAt: number | null }>;
      assert.equal(listed.find((x) => x.name === 'temp')?.expiresAt, made.expiresAt);
      assert.equal(listed.find((x) => x.name === 't-superuser')?.expiresAt, null);
      assert.equal(await outcome(su().request('tokens.create', { name: 'past', expires: '2001-01-01' })), 'ORDO_BAD_ARGUMENT');
      const s = await openSocket(t.url, made.token);
      try {
        assert.equal((await whoami(made.token)).status, 200);
        assert.ok((await wsCall(s, 'runs.list')).result);
        // Time passes: the expiry is moved into the past rather than waited for.
        await t.server.rt.store.sql.run('UPDATE api_tokens SET expires_at = ? WHERE name = ?', [Date.now() - 1, 'temp']);
        const refused = await wsCall(s, 'runs.list');
        assert.equal(refused.code, 'ORDO_UNAUTHENTICATED');
        assert.match(refused.message!, /expired/);
        assert.equal((await s.closed).code, 1008);
        assert.equal((await whoami(made.token)).status, 401);
      } finally {
        await s.close();
      }
    });

    test('an admin can neither change, re-password, demote nor revoke the tokens of a superuser, nor make tokens in its name', async () => {
      const admin = rpcClient(t.url, t.tokens.admin);
      await su().request('users.add', { name: 'root2', role: 'superuser', password: 'root2 password' });
      const own = await su().request('tokens.create', { name: 'root2-t', user: 'root2' }) as { token: string };
      await su().request('tokens.create', { name: 'root2-admin', user: 'root2', role: 'admin' });
      const refusals = {
        demote: await outcome(admin.request('users.add', { name: 'root2', role: 'admin', replace: true })),
        repassword: await outcome(admin.request('users.add', { name: 'root2', role: 'user', password: 'taken over', replace: true })),
        revokeSuperuserToken: await outcome(admin.request('tokens.revoke', { name: 't-superuser' })),
        revokeUsersToken: await outcome(admin.request('tokens.revoke', { name: 'root2-t' })),
        revokeLesserTokenOfSuperuser: await outcome(admin.request('tokens.revoke', { name: 'root2-admin' })),
        tokenInItsName: await outcome(admin.request('tokens.create', { name: 'root2-fake', user: 'root2', role: 'user' })),
      };
      assert.deepEqual(refusals, {
        demote: 'ORDO_FORBIDDEN', repassword: 'ORDO_FORBIDDEN', revokeSuperuserToken: 'ORDO_FORBIDDEN', revokeUsersToken: 'ORDO_FORBIDDEN',
        revokeLesserTokenOfSuperuser: 'ORDO_FORBIDDEN', tokenInItsName: 'ORDO_FORBIDDEN',
      });
      assert.equal((await whoami(own.token)).body.role, 'superuser', 'nothing changed');
      assert.equal((await whoami(t.tokens.superuser)).status, 200);
      const users = await su().request('users.list', {}) as Array<{ name: string; role: string }>;
      assert.equal(users.find((u) => u.name === 'root2')?.role, 'superuser');
      const tokens = await su().request('tokens.list', {}) as Array<{ name: string }>;
      assert.ok(!tokens.some((x) => x.name === 'root2-fake'));
      // Within its own role an admin still manages: it demotes an admin it made and revokes a user token.
      await admin.request('users.add', { name: 'ed', role: 'admin' });
      assert.deepEqual(await admin.request('users.add', { name: 'ed', role: 'user', replace: true }), { name: 'ed', role: 'user' });
      await admin.request('tokens.create', { name: 'ed-1', user: 'ed' });
      assert.deepEqual(await admin.request('tokens.revoke', { name: 'ed-1' }), { name: 'ed-1', revoked: true });
      // A superuser may do all of it.
      assert.deepEqual(await su().request('tokens.revoke', { name: 'root2-admin' }), { name: 'root2-admin', revoked: true });
    });
  });
}
