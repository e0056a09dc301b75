/**
 * Users and tokens over the API (permission `manage`: admin and superuser): a caller never grants a role
 * beyond its own; a created token works at once and stops working when revoked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rpcClient, startTestServer } from './support.js';

test('users.add, tokens.create, tokens.list and tokens.revoke; no role beyond the caller\'s', async () => {
  const t = await startTestServer();
  try {
    const admin = rpcClient(t.url, t.tokens.admin);
    assert.deepEqual(await admin.request('users.add', { name: 'ana', role: 'user', password: 'long enough' }), { name: 'ana', role: 'user' });
    const users = await admin.request('users.list', {}) as Array<{ name: string; role: string; hasPassword: boolean }>;
    assert.deepEqual(users.find((u) => u.name === 'ana'), { ...users.find((u) => u.name === 'ana'), role: 'user', hasPassword: true });
    const made = await admin.request('tokens.create', { name: 'ana-laptop', user: 'ana' }) as { role: string; token: string };
    assert.equal(made.role, 'user', "the user's role by default");
    const ana = rpcClient(t.url, made.token);
    assert.deepEqual(await ana.request('auth.whoami', {}), { ...(await ana.request('auth.whoami', {}) as object), role: 'user' });
    await assert.rejects(async () => admin.request('tokens.create', { name: 'root', role: 'superuser' }), /may not grant the role superuser/);
    await assert.rejects(async () => admin.request('users.add', { name: 'op', role: 'operator' }), /may not grant the role operator/);
    await assert.rejects(async () => rpcClient(t.url, t.tokens.operator).request('tokens.list', {}), /needs permission manage/);
    const su = rpcClient(t.url, t.tokens.superuser);
    assert.equal((await su.request('tokens.create', { name: 'root', role: 'superuser' }) as { role: string }).role, 'superuser');
    const listed = await su.request('tokens.list', {}) as Array<{ name: string; role: string }>;
    assert.ok(listed.some((x) => x.name === 'root' && x.role === 'superuser') && listed.every((x) => !('hash' in x) && !('token' in x)));
    assert.deepEqual(await admin.request('tokens.revoke', { name: 'ana-laptop' }), { name: 'ana-laptop', revoked: true });
    const after = await fetch(`${t.url}/api/whoami`, { headers: { authorization: `Bearer ${made.token}` } });
    assert.equal(after.status, 401, 'a revoked token stops working at once');
  } finally {
    await t.close();
  }
});
