/**
 * The credential of a JobCenter connection's `hello` is checked again before each call: a demotion applies
 * to the next call; a revoked token or a changed password gets the call refused and the connection closed,
 * also when the change was written straight to the store (as `ordo token revoke` and `ordo user add` do).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addUser, issueToken } from '../../src/auth/manage.js';
import { revokeToken } from '../../src/store/auth.js';
import { RawClient } from './raw-client.js';
import { startJcServer, type JcTestServer } from './support.js';

async function hello(t: JcTestServer, who: string, token: string): Promise<RawClient> {
  const c = await RawClient.connect(t.jcPort);
  await c.notification('greetings');
  assert.deepEqual(await c.call('hello', { who, method: 'password', token }), [true, `welcome to the clientapi ${who}!`]);
  return c;
}

/** The ORDO_* code of an error, which the listener puts at the head of its message ({code, message} only). */
const codeOf = (m: Record<string, unknown>) => (m.error ? /^(ORDO_\w+):/.exec((m.error as { message: string }).message)?.[1] : 'ok');

describe('JobCenter connections follow their credential', () => {
  let t: JcTestServer;
  before(async () => {
    t = await startJcServer();
  });
  after(async () => t.close());
  const db = () => t.server.rt.store.sql;

  test('a revoked token: the next call is refused and the connection closes', async () => {
    const { secret } = await issueToken(db(), { name: 'jc-revoked', role: 'operator' }, 'test', Date.now());
    const c = await hello(t, 'someone', secret);
    assert.equal(codeOf(await c.request('find_jobs', { filter: { a: 1 } })), 'ok');
    await revokeToken(db(), 'jc-revoked', 'cli', Date.now());
    assert.equal(codeOf(await c.request('find_jobs', { filter: { a: 1 } })), 'ORDO_UNAUTHENTICATED');
    await c.closed;
  });

  test("a user's demotion applies to the next call; a changed password closes the connection", async () => {
    await addUser(db(), { name: 'jc-user', role: 'operator', password: 'first password' }, 'test', Date.now());
    const c = await hello(t, 'jc-user', 'first password');
    assert.equal(codeOf(await c.request('withdraw', { actionname: 'add' })), 'ok');
    await addUser(db(), { name: 'jc-user', role: 'user', replace: true }, 'cli', Date.now());
    assert.equal(codeOf(await c.request('withdraw', { actionname: 'add' })), 'ORDO_FORBIDDEN');
    assert.equal(codeOf(await c.request('find_jobs', { filter: { a: 1 } })), 'ok', 'still reads');
    await addUser(db(), { name: 'jc-user', role: 'user', password: 'second password', replace: true }, 'cli', Date.now());
    assert.equal(codeOf(await c.request('find_jobs', { filter: { a: 1 } })), 'ORDO_UNAUTHENTICATED');
    await c.closed;
  });

  test('an idle connection whose token was revoked is closed at the next check', async () => {
    const { secret } = await issueToken(db(), { name: 'jc-idle', role: 'user' }, 'test', Date.now());
    const c = await hello(t, 'idle', secret);
    await revokeToken(db(), 'jc-idle', 'cli', Date.now());
    await t.server.api!.app.connections.recheckAll();
    await c.closed;
  });
});
