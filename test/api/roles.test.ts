/**
 * Roles on every method: each role calls every method of the contract with params that pass validation,
 * and exactly the methods whose permission the role lacks are refused (ORDO_FORBIDDEN; without a token
 * ORDO_UNAUTHENTICATED); the others get past the check (they may still fail on their own terms).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JSONRPCErrorException } from 'json-rpc-2.0';
import { CONTRACT, METHOD_NAMES, type MethodName } from '../../src/api/contract/index.js';
import { allows, ROLES, type Role } from '../../src/auth/roles.js';
import { rpcClient, startTestServer, waitFor, type TestServer } from './support.js';

function samples(run: number): Record<MethodName, Record<string, unknown>> {
  return {
    'server.health': {}, 'auth.whoami': {}, subscribe: { all: true }, unsubscribe: { subscription: 'sub-x' },
    'flows.list': {}, 'flows.get': { flow: 'quick' }, 'flows.graph': { flow: 'quick' }, 'flows.validate': {}, 'flows.reload': {},
    'runs.start': { flow: 'quick' }, 'runs.list': {}, 'runs.get': { run }, 'runs.events': { run }, 'runs.logs': { run, job: 'a' },
    'runs.why': { run, job: 'a' }, 'runs.forecast': { run },
    'runs.abort': { run }, 'runs.skip': { run, job: 'a' }, 'runs.restart': { run, job: 'b', mode: 'only' }, 'runs.bulk': { run, action: 'restart', jobs: ['b'], mode: 'only' },
    'jobs.disable': { flow: 'quick', job: 'b' }, 'jobs.enable': { flow: 'quick', job: 'b' },
    'gates.open': { name: 'eod' }, 'gates.close': { name: 'eod' }, 'connectors.block': { name: 'dwh' }, 'connectors.unblock': { name: 'dwh' },
    'resources.list': {}, 'settings.set': { name: 'max-parallel', value: 4 },
    'kv.get': { run, key: 'k' }, 'kv.set': { run, key: 'k', value: 'v' }, 'kv.list': { run },
    hello: { who: 'x', method: 'password', token: 'nope' }, ping: {}, create_job: { wfname: 'nope', inargs: {} },
    get_job_status: { job_id: 1 }, find_jobs: { filter: { a: 1 } }, announce: { actionname: 'add' }, withdraw: { actionname: 'add' },
    get_task: { actionname: 'add' }, task_done: { cookie: 'c', outargs: {} }, task_failed: { cookie: 'c', error: { message: 'm' } },
    raise_event: { event: { name: 'x' } }, check_if_lock_exists: { locktype: 'host', lockvalue: 'h1' }, get_api_status: { what: 'stats' },
    'wf.catalog': {}, 'wf.list': {}, 'wf.get': { run: 'W999' }, 'wf.vars': { run: 'W999' }, 'wf.setVar': { run: 'W999', vars: { x: 1 } },
    'wf.cancel': { run: 'W999' }, 'wf.retry': { run: 'W999' },
    'schedules.list': {}, 'schedules.fires': { flow: 'quick' }, 'schedules.pause': { flow: 'quick' }, 'schedules.resume': { flow: 'quick' },
    'schedules.backfill': { flow: 'quick', from: '2026-01-01', to: '2026-01-02' },
    'users.list': {}, 'users.add': { name: 'sample-user', role: 'user' }, 'tokens.list': {}, 'tokens.create': { name: `sample-${Math.random()}`.replace('0.', ''), role: 'user' },
    'tokens.revoke': { name: 'no-such-token' },
    'calendars.year': { calendar: 'none', year: 2026 }, 'plans.next': { plan: 'none' }, 'plans.list': {},
    'hosts.list': {}, 'hosts.drain': { name: 'none' }, 'hosts.resume': { name: 'none' },
    'jobs.history': { flow: 'hello', job: 'a' }, 'events.list': { limit: 5 },
    'batches.run': { name: 'none' }, 'batches.get': { batch: 1 }, 'batches.list': {}, 'batches.rerun': { batch: 1, failed: true },
    'secrets.list': {}, 'secrets.set': { name: 'probe', value: 'probe-value' }, 'secrets.delete': { name: 'no-such-secret' },
    'handlers.list': {}, 'handlers.retry': { id: 999 }, 'servers.list': {},
    'agent.hello': { name: 'none', attempts: [] }, 'agent.inventory': { attempts: [] },
    'agent.done': { key: '1/1/1', token: 1, outcome: {} }, 'agent.output': { key: '1/1/1', stream: 'stdout', data: '' },
    'agent.renew': { leases: [] },
  };
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

describe('roles, enforced on every method', () => {
  let t: TestServer;
  let run: number;
  before(async () => {
    t = await startTestServer();
    const client = rpcClient(t.url, t.tokens.superuser);
    run = (await client.request('runs.start', { flow: 'quick' }) as { run: number }).run;
    await waitFor('the run to end', async () => ((await client.request('runs.get', { run }) as { run: { state: string } }).run.state === 'succeeded' ? true : undefined));
  });
  after(async () => t.close());

  for (const role of [...ROLES, null] as Array<Role | null>) {
    test(`${role ?? 'anonymous'}: refused exactly the methods its role does not grant`, async () => {
      const client = rpcClient(t.url, role ? t.tokens[role] : undefined);
      const params = samples(run);
      const refused: string[] = [];
      for (const name of METHOD_NAMES) {
        const code = await outcome(client.request(name, params[name]));
        const permission = CONTRACT[name].permission;
        if (allows(role, permission)) {
          assert.ok(code !== 'ORDO_FORBIDDEN' && code !== 'ORDO_UNAUTHENTICATED' && code !== 'ORDO_INVALID_PARAMS', `${role} ${name}: ${code}`);
        } else {
          assert.equal(code, role ? 'ORDO_FORBIDDEN' : 'ORDO_UNAUTHENTICATED', `${role} ${name}`);
          refused.push(permission);
        }
      }
      const expected = { user: ['operate', 'define', 'manage'], operator: ['define', 'manage'], admin: ['operate'], superuser: [] as string[] }[role ?? 'user'];
      assert.deepEqual([...new Set(refused)].sort(), role ? expected.sort() : ['define', 'manage', 'operate', 'read']);
    });
  }

  test('the same rules over REST: 403 for a role without the permission, 401 without a token', async () => {
    const call = (path: string, role?: Role) => fetch(`${t.url}${path}`, { method: 'POST', headers: role ? { authorization: `Bearer ${t.tokens[role]}` } : {} });
    assert.equal((await call('/api/flows/reload', 'operator')).status, 403);
    assert.equal((await call('/api/flows/reload', 'admin')).status, 200);
    assert.equal((await call(`/api/runs/${run}/abort`, 'admin')).status, 403);
    assert.equal((await call(`/api/runs/${run}/abort`, 'user')).status, 403);
    assert.equal((await call('/api/gates/eod/close', 'operator')).status, 200);
    assert.equal((await call('/api/gates/eod/close')).status, 401);
  });

  test('operator actions record the caller as the actor', async () => {
    const client = rpcClient(t.url, t.tokens.operator);
    await client.request('gates.open', { name: 'eod', reason: 'audit' });
    await client.request('gates.close', { name: 'eod' });
    const rows = await t.server.rt.store.sql.query<{ data: string }>("SELECT data FROM events WHERE kind = 'gate_opened' ORDER BY id DESC LIMIT 1");
    assert.deepEqual(JSON.parse(rows[0]!.data), { name: 'eod', reason: 'audit', by: 't-operator' });
  });
});

describe('anonymous callers with a configured role', () => {
  test('--anonymous user lets callers without a token read, not operate', async () => {
    const t = await startTestServer({ anonymousRole: 'user' });
    try {
      const client = rpcClient(t.url);
      assert.deepEqual(await client.request('runs.list', {}), []);
      assert.equal(await outcome(client.request('runs.start', { flow: 'quick' })), 'ORDO_FORBIDDEN');
    } finally {
      await t.close();
    }
  });
});
