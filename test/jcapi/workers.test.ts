/**
 * Workers made robust: a worker that disconnects or goes silent is declared dead; its claimed task is
 * offered to another worker (retryable actions) or fails soft "worker lost" (retried per the action's
 * policy); its late result is refused. Work is spread over workers with free slots. Roles: a workflow's
 * `role:` limits who may start it, an action's who may announce it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { errorCode, RawClient, type Msg } from './raw-client.js';
import { startJcServer, waitFor, type JcTestServer } from './support.js';

async function hello(t: JcTestServer, who: string, token: string): Promise<RawClient> {
  const c = await RawClient.connect(t.jcPort);
  await c.notification('greetings');
  assert.deepEqual(await c.call('hello', { who, method: 'password', token }), [true, `welcome to the clientapi ${who}!`]);
  return c;
}

async function worker(t: JcTestServer, name: string, action: string, slots = 1, token = t.tokens.operator): Promise<RawClient> {
  const w = await hello(t, name, token);
  assert.deepEqual(await w.call('announce', { actionname: action, slots }), [true, 'success']);
  return w;
}

/** Waits for task_ready and claims the task: [job_id, cookie, inargs, env]. */
async function claim(w: RawClient, action: string, job?: number): Promise<[number, string, Msg, Msg]> {
  const ready = await w.notification('task_ready', (p) => p.actionname === action && (job === undefined || p.job_id === job));
  const task = await w.call('get_task', { actionname: action, job_id: ready.job_id });
  assert.ok(Array.isArray(task), `a task for ${JSON.stringify(ready)}`);
  return task as [number, string, Msg, Msg];
}

describe('remote workers', () => {
  let t: JcTestServer;
  let client: RawClient;
  before(async () => {
    t = await startJcServer();
    client = await hello(t, 'theCustomer', t.tokens.operator);
  });
  after(async () => {
    await client.close();
    await t.close();
  });

  const create = async (wfname: string, inargs: Msg): Promise<number> => {
    const [job, err] = await client.call('create_job', { wfname, inargs }) as [number, unknown];
    assert.equal(err, null);
    return job;
  };

  test('a worker that disconnects with a claimed task: it is offered to another worker; the late result is refused', async () => {
    const a = await worker(t, 'a', 'add');
    const job = await create('calltest', { input: 1 });
    const [, cookieA] = await claim(a, 'add', job);
    const b = await worker(t, 'b', 'add');
    try {
      a.socket.destroy();
      const [jobB, cookieB, inargs] = await claim(b, 'add', job);
      assert.equal(jobB, job);
      assert.notEqual(cookieB, cookieA);
      assert.deepEqual(inargs, { counter: 1, step: 3 });
      // Worker a comes back with its old cookie: refused, nothing changes.
      const a2 = await hello(t, 'a', t.tokens.operator);
      const late = await a2.request('task_done', { cookie: cookieA, outargs: { counter: 999 } });
      assert.equal(errorCode(late), 'ORDO_STALE_COOKIE');
      await a2.close();
      b.notify('task_done', { cookie: cookieB, outargs: { counter: 4 } });
      assert.deepEqual(await client.notification('job_done', (p) => p.job_id === job), { job_id: job, outargs: { output: 4 } });
      const events = await t.server.jobcenter!.host.wf.events(job);
      assert.ok(events.some((e) => e.kind === 'wf_task_lost' && e.data?.requeued === true), JSON.stringify(events.map((e) => e.kind)));
    } finally {
      await b.close();
    }
  });

  test('a worker that stops answering pings is dropped and its task handed out again', async () => {
    const a = await worker(t, 'silent', 'add');
    const job = await create('calltest', { input: 2 });
    await claim(a, 'add', job);
    a.answerPings = false;
    const b = await worker(t, 'b2', 'add');
    try {
      const [, cookie] = await claim(b, 'add', job);
      await a.closed;
      b.notify('task_done', { cookie, outargs: { counter: 5 } });
      assert.deepEqual(await client.notification('job_done', (p) => p.job_id === job), { job_id: job, outargs: { output: 5 } });
    } finally {
      await b.close();
    }
  });

  test('an action not marked retryable fails soft "worker lost" and is retried per its policy, else the job fails', async () => {
    const a = await worker(t, 'fa', 'fragile');
    const job = await create('fragcall', { x: 7 });
    await claim(a, 'fragile', job);
    const b = await worker(t, 'fb', 'fragile');
    try {
      a.socket.destroy();
      // Tries: 2. The second attempt goes to b.
      const [, cookie, inargs, env] = await claim(b, 'fragile', job);
      assert.deepEqual(inargs, { x: 7 });
      assert.equal(env.attempt, 2);
      b.notify('task_done', { cookie, outargs: { x: 8 } });
      assert.deepEqual(await client.notification('job_done', (p) => p.job_id === job), { job_id: job, outargs: { x: 8 } });
      const task = (await t.server.jobcenter!.host.wf.tasks(job))[0]!;
      assert.equal(task.attempts, 2);

      // One try only: the job fails with the worker-lost error.
      const job2 = await create('brittlecall', { x: 1 });
      const c = await worker(t, 'fc', 'brittle');
      await claim(c, 'brittle', job2);
      c.socket.destroy();
      const done = await client.notification('job_done', (p) => p.job_id === job2);
      const error = (done.outargs as { error: { msg: string; class: string } }).error;
      assert.match(error.msg, /worker lost/);
      assert.equal(error.class, 'soft');
    } finally {
      await b.close();
    }
  });

  test('a WebSocket worker silent past the worker timeout is dropped, and told so when it calls again', async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${t.tokens.operator}` } });
    const got: Msg[] = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d)) as Msg));
    await new Promise((r) => ws.once('open', r));
    try {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'announce', params: { actionname: 'add', workername: 'wsw', slots: 1 } }));
      await waitFor('announced', () => (got.some((m) => m.id === 1) ? true : undefined));
      assert.deepEqual(got.find((m) => m.id === 1)?.result, [true, 'success']);
      const job = await create('calltest', { input: 3 });
      const ready = await waitFor('task_ready', () => got.find((m) => m.method === 'task_ready'));
      assert.deepEqual(ready.params, { actionname: 'add', job_id: job });
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'get_task', params: { actionname: 'add', job_id: job } }));
      const task = await waitFor('the task', () => got.find((m) => m.id === 2));
      assert.ok(Array.isArray(task.result));
      // Silent for the worker timeout (1.5 s): dead, the task goes to another worker.
      const b = await worker(t, 'b3', 'add');
      const [, cookie] = await claim(b, 'add', job);
      b.notify('task_done', { cookie, outargs: { counter: 6 } });
      assert.deepEqual(await client.notification('job_done', (p) => p.job_id === job), { job_id: job, outargs: { output: 6 } });
      await b.close();
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping', params: {} }));
      const dropped = await waitFor('worker_dropped', () => got.find((m) => m.method === 'worker_dropped'));
      assert.deepEqual((dropped.params as Msg).actions, ['add']);
    } finally {
      ws.close();
    }
  });

  test('work is spread over workers with free slots', async () => {
    const ws = [await worker(t, 's1', 'add'), await worker(t, 's2', 'add'), await worker(t, 's3', 'add', 2)];
    try {
      const jobs = [];
      for (let k = 0; k < 4; k++) jobs.push(await create('calltest', { input: 100 + k }));
      const counts = await Promise.all(ws.map(async (w, k) => {
        const tasks = [];
        for (let n = 0; n < (k === 2 ? 2 : 1); n++) tasks.push(await claim(w, 'add'));
        return tasks;
      }));
      const claimed = counts.flat().map(([job]) => job).sort((a, b) => a - b);
      assert.deepEqual(claimed, jobs, 'each of the 4 jobs to one worker: 1 + 1 + 2 slots');
      for (const [k, w] of ws.entries()) {
        for (const [, cookie, inargs] of counts[k]!) w.notify('task_done', { cookie, outargs: { counter: Number(inargs.counter) + 3 } });
      }
      for (const job of jobs) await client.notification('job_done', (p) => p.job_id === job);
    } finally {
      for (const w of ws) await w.close();
    }
  });

  test('a worker announced with a filter is offered only tasks whose inargs contain it; others wait for another worker', async () => {
    const f = await hello(t, 'filtered', t.tokens.operator);
    assert.deepEqual(await f.call('announce', { actionname: 'add', slots: 2, filter: { counter: 7 } }), [true, 'success']);
    try {
      const other = await create('calltest', { input: 5 });
      const mine = await create('calltest', { input: 7 });
      const [job, cookie, inargs] = await claim(f, 'add');
      assert.deepEqual([job, inargs], [mine, { counter: 7, step: 3 }]);
      f.notify('task_done', { cookie, outargs: { counter: 10 } });
      assert.deepEqual(await client.notification('job_done', (p) => p.job_id === mine), { job_id: mine, outargs: { output: 10 } });
      // get_task for the other job is refused to the filtered worker: it was not offered to it.
      assert.equal(await f.call('get_task', { actionname: 'add', job_id: other }), null);
      assert.ok(!f.received.some((m) => m.method === 'task_ready' && (m.params as Msg).job_id === other), 'never offered the other job');
      const u = await worker(t, 'unfiltered', 'add');
      try {
        const [jobU, cookieU] = await claim(u, 'add', other);
        assert.equal(jobU, other);
        u.notify('task_done', { cookie: cookieU, outargs: { counter: 8 } });
        assert.deepEqual(await client.notification('job_done', (p) => p.job_id === other), { job_id: other, outargs: { output: 8 } });
      } finally {
        await u.close();
      }
    } finally {
      await f.close();
    }
  });

  test('an action with labels in its config is announced only by workers whose labels contain them', async () => {
    const plain = await hello(t, 'plain', t.tokens.operator);
    const dmz = await hello(t, 'in-dmz', t.tokens.operator);
    try {
      const [ok, why] = await plain.call('announce', { actionname: 'dmz', slots: 1 }) as [boolean, string];
      assert.equal(ok, false);
      assert.match(why, /action dmz is done only by workers labelled \{"zone":"dmz"\}; this worker's labels are \{\}/);
      assert.deepEqual(await plain.call('announce', { actionname: 'dmz', labels: { zone: 'lan' } }), [false, 'action dmz is done only by workers labelled {"zone":"dmz"}; this worker\'s labels are {"zone":"lan"}']);
      assert.deepEqual(await dmz.call('announce', { actionname: 'dmz', labels: { zone: 'dmz', os: 'linux' } }), [true, 'success']);
    } finally {
      await plain.close();
      await dmz.close();
    }
  });

  test('roles: who may start a workflow, who may announce an action, and the method permissions', async () => {
    const user = await hello(t, 'reader', t.tokens.user);
    const operator = await hello(t, 'operator', t.tokens.operator);
    const ops = await hello(t, 'ops', t.tokens.ops);
    const pool = await hello(t, 'pool', t.tokens.pool);
    try {
      const refused = await user.request('create_job', { wfname: 'calltest', inargs: { input: 1 } });
      assert.equal(errorCode(refused), 'ORDO_FORBIDDEN', 'the user role may not start jobs');
      const [no, why] = await operator.call('create_job', { wfname: 'secret', inargs: { input: 1 } }) as [null, string];
      assert.equal(no, null);
      assert.match(why, /operator may not start secret: it is limited to the role ops/);
      const [job] = await ops.call('create_job', { wfname: 'secret', inargs: { input: 5 } }) as [number];
      assert.deepEqual(await ops.notification('job_done'), { job_id: job, outargs: { output: 5 } });

      assert.deepEqual(await operator.call('announce', { actionname: 'guarded' }), [false, 'operator may not announce guarded: it is limited to the role pool']);
      assert.deepEqual(await pool.call('announce', { actionname: 'guarded' }), [true, 'success']);
      assert.deepEqual(await pool.call('announce', { actionname: 'nope' }), [false, "no action named nope (its .ac file must be in the server's project)"]);
      const announce = await user.request('announce', { actionname: 'add' });
      assert.equal(errorCode(announce), 'ORDO_FORBIDDEN', 'the user role may not work');
      assert.deepEqual(await user.call('get_job_status', { job_id: job }), [job, { output: 5 }], 'but may read');
    } finally {
      for (const c of [user, operator, ops, pool]) await c.close();
    }
  });
});
