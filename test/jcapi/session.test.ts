/**
 * Seed 001's JobCenter session against Ordo's netstring listener, by a peer that frames netstrings by
 * itself: greeting, hello (good and bad token), announce, create_job of calltest with {input: 123},
 * task_ready, get_task, task_done with {counter: 126}, job_done with {output: 126}; a stale cookie is
 * refused; the frame size limit; pings both ways.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorCode, RawClient, type Msg } from './raw-client.js';
import { startJcServer, type JcTestServer } from './support.js';

async function hello(t: JcTestServer, who: string, token: string): Promise<RawClient> {
  const c = await RawClient.connect(t.jcPort);
  await c.notification('greetings');
  assert.deepEqual(await c.call('hello', { who, method: 'password', token }), [true, `welcome to the clientapi ${who}!`]);
  return c;
}

describe('the JobCenter session over netstrings', () => {
  let t: JcTestServer;
  before(async () => {
    t = await startJcServer();
  });
  after(async () => t.close());

  test('greetings on connect; a bad token is not welcome and the connection closes', async () => {
    const c = await RawClient.connect(t.jcPort);
    assert.deepEqual(await c.notification('greetings'), { who: 'jcapi', version: '1.1' });
    const before = await c.request('create_job', { wfname: 'calltest', inargs: { input: 1 } });
    assert.equal(errorCode(before), 'ORDO_UNAUTHENTICATED', 'nothing but hello before hello');
    assert.deepEqual(await c.call('hello', { who: 'theCustomer', method: 'password', token: 'ordo_wrong' }), [false, "you're not welcome!"]);
    await c.closed;
  });

  test('calltest {input: 123}: announce, create_job, task_ready, get_task, task_done, job_done {output: 126}', async () => {
    const worker = await hello(t, 'theEmployee', t.tokens.operator);
    const client = await hello(t, 'theCustomer', t.tokens.operator);
    try {
      assert.deepEqual(await worker.call('announce', { workername: 'theEmployee host 1', actionname: 'add', slots: 1 }), [true, 'success']);
      const [jobId, err] = await client.call('create_job', { wfname: 'calltest', inargs: { input: 123 }, vtag: null, timeout: 60 }) as [number, null];
      assert.equal(err, null);
      assert.ok(Number.isInteger(jobId) && jobId > 0);
      assert.deepEqual(await client.call('get_job_status', { job_id: jobId }), [null, null], 'not ended yet');

      const ready = await worker.notification('task_ready');
      assert.deepEqual(ready, { actionname: 'add', job_id: jobId });
      const [job2, cookie, inargs, env] = await worker.call('get_task', { actionname: 'add', job_id: jobId }) as [number, string, Msg, Msg];
      assert.equal(job2, jobId);
      assert.equal(typeof cookie, 'string');
      assert.deepEqual(inargs, { counter: 123, step: 3 });
      assert.equal(env.run, `W${jobId}`);
      assert.equal(env.workflow, 'calltest');
      worker.notify('task_done', { cookie, outargs: { counter: 126 } });

      assert.deepEqual(await client.notification('job_done'), { job_id: jobId, outargs: { output: 126 } });
      assert.deepEqual(await client.call('get_job_status', { job_id: jobId }), [jobId, { output: 126 }]);
      assert.ok((await client.call('find_jobs', { filter: { input: 123 } }) as number[]).includes(jobId));
      assert.ok((await client.call('find_jobs', { filter: JSON.stringify({ input: 123 }) }) as number[]).includes(jobId), 'a filter as JSON text (jcclient)');

      // The same cookie again: refused, and nothing changes.
      const stale = await worker.request('task_done', { cookie, outargs: { counter: 999 } });
      assert.equal(errorCode(stale), 'ORDO_STALE_COOKIE');
      assert.equal((stale.error as { code: number }).code, 1012);
      assert.deepEqual(await client.call('get_job_status', { job_id: `W${jobId}` }), [jobId, { output: 126 }]);
      const task = (await t.server.jobcenter!.host.wf.tasks(jobId))[0]!;
      assert.deepEqual([task.state, task.output], ['done', { counter: 126 }]);
      assert.equal(await worker.call('withdraw', { actionname: 'add' }), true);
    } finally {
      await worker.close();
      await client.close();
    }
  });

  test('create_job of an unknown workflow or with bad inargs answers [null, error]', async () => {
    const c = await hello(t, 'theCustomer', t.tokens.operator);
    try {
      const [id1, e1] = await c.call('create_job', { wfname: 'nope', inargs: {} }) as [null, string];
      assert.equal(id1, null);
      assert.match(e1, /nope/);
      const [id2, e2] = await c.call('create_job', { wfname: 'calltest', inargs: { input: 'x' } }) as [null, string];
      assert.equal(id2, null);
      assert.match(e2, /input/);
    } finally {
      await c.close();
    }
  });

  test('ping answers pong; the server pings a worker, which stays while it answers, and never a mere client', async () => {
    const w = await hello(t, 'pinger', t.tokens.operator);
    const c = await hello(t, 'quiet client', t.tokens.user);
    c.answerPings = false;
    try {
      assert.equal(await w.call('ping'), 'pong');
      assert.deepEqual(await w.call('announce', { actionname: 'add' }), [true, 'success']);
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(w.isClosed, false, 'answered the pings (every 500 ms) and is still connected');
      assert.equal(c.isClosed, false, 'a client that never answers pings stays');
      assert.ok(!c.received.some((m) => m.method === 'ping'), 'a client is not pinged');
    } finally {
      await w.close();
      await c.close();
    }
  });

  test('a worker that does not answer pings is dropped', async () => {
    const c = await hello(t, 'deaf', t.tokens.operator);
    c.answerPings = false;
    assert.deepEqual(await c.call('announce', { actionname: 'add' }), [true, 'success']);
    await c.next((m) => m.method === 'ping', 'a ping from the server');
    await c.closed;
  });

  test('a frame past 999,999 bytes is refused and the connection closed; so is a bad frame', async () => {
    const big = await hello(t, 'big', t.tokens.user);
    big.sendRaw('1000000:');
    const r = await big.next((m) => 'error' in m, 'the error');
    assert.equal((r.error as { code: number }).code, -32001);
    assert.equal((r.error as { message: string }).message, 'ORDO_TOO_LARGE: a frame of more than 999,999 bytes (the limit)');
    await big.closed;

    const bad = await RawClient.connect(t.jcPort);
    bad.sendRaw('{"jsonrpc":"2.0"}');
    await bad.closed;

    const ok = await hello(t, 'ok', t.tokens.user);
    try {
      ok.sendRaw('5:hello,');
      const parse = await ok.next((m) => 'error' in m, 'the parse error');
      assert.equal((parse.error as { code: number }).code, -32700);
      assert.equal(await ok.call('ping'), 'pong', 'a message that is not JSON does not end the connection');
      const list = await ok.call('runs.list', {});
      assert.deepEqual(list, [], "the native API's methods too, with the token's role");
    } finally {
      await ok.close();
    }
  });
});
