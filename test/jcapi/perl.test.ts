/**
 * JobCenter's own Perl client library works against Ordo unchanged: a peer that behaves on the wire as
 * JobCenter::Client::Mojo with JSON::RPC2::TwoWay (perl-client.ts) is a worker and a client of a real
 * server: the handshake, announce with null slotgroup and slots, task_ready / get_task / task_done,
 * create_job and job_done, get_job_status of an unknown job, errors that do not make it drop the connection,
 * and a worker busy in a synchronous task that answers pings late and is not declared dead.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PerlClient, WORK_CONNECTION_CLOSED } from './perl-client.js';
import type { Msg } from './perl-rpc.js';
import { startJcServer, waitFor, type JcTestServer } from './support.js';

const add = (_job: number, i: Msg): Msg => ({ counter: Number(i.counter) + Number(i.step ?? 1) });

/** No message of the peer's library said it gave up on the server. */
function clean(...clients: PerlClient[]): void {
  for (const c of clients) {
    assert.deepEqual(c.rpc.log.filter((l) => /fatal|unknown action|ping timeout/.test(l)), [], `${c.opts.who}: ${c.rpc.log.join('; ')}`);
    assert.equal(c.rpc.isClosed, false, `${c.opts.who} is still connected`);
  }
}

describe('JobCenter::Client::Mojo against Ordo', () => {
  let t: JcTestServer;
  let customer: PerlClient;
  before(async () => {
    t = await startJcServer();
    customer = await PerlClient.connect(t.jcPort, { who: 'theCustomer', token: t.tokens.operator });
  });
  after(async () => {
    await customer.close();
    await t.close();
  });

  test('the handshake: greetings, then hello with an md5_base64 id; a bad token is not welcome and closed', async () => {
    assert.equal(customer.auth, 1);
    const hello = JSON.parse(customer.rpc.sent[0]!) as Msg;
    assert.equal(hello.method, 'hello');
    assert.match(String(hello.id), /^[A-Za-z0-9+/]{22}$/);
    assert.deepEqual(hello.params, { who: 'theCustomer', method: 'password', token: t.tokens.operator });
    assert.ok(!customer.rpc.sent[0]!.includes(' '), 'written without spaces');

    const stranger = await PerlClient.connect(t.jcPort, { who: 'stranger', token: 'ordo_nope' });
    assert.equal(stranger.auth, 0);
    await stranger.rpc.closed;
  });

  test('a task waiting before the worker announces: the announce answer comes first, then task_ready; call gets the outargs', async () => {
    // The job exists before any worker: the server offers it as soon as the worker announces.
    const called = customer.call({ wfname: 'calltest', inargs: '{"input":123}' });
    const { wf } = t.server.jobcenter!.host;
    await waitFor('its task, ready', async () => {
      for (const run of await wf.listRuns({ workflow: 'calltest', statuses: ['running', 'waiting'] })) {
        if ((await wf.tasks(run.id)).some((task) => task.state === 'ready')) return true;
      }
      return undefined;
    });
    const worker = await PerlClient.connect(t.jcPort, { who: 'theEmployee', token: t.tokens.operator });
    try {
      assert.equal(await worker.announce({ actionname: 'add', cb: add }), undefined);
      const sent = JSON.parse(worker.rpc.sent.find((m) => m.includes('"announce"'))!) as Msg;
      assert.deepEqual(sent.params, { workername: worker.workername, actionname: 'add', slotgroup: null, slots: null });
      const [jobId, outargs] = await called;
      assert.equal(outargs, '{"output":126}');
      assert.deepEqual(await customer.getJobStatus(jobId!), [jobId, '{"output":126}']);
      assert.deepEqual(await customer.getJobStatus(String(jobId)), [jobId, '{"output":126}'], 'a job id read from a command line');
      const create = JSON.parse(customer.rpc.sent.find((m) => m.includes('"create_job"'))!) as Msg;
      assert.deepEqual(create.params, { wfname: 'calltest', vtag: null, inargs: { input: 123 }, timeout: 300 });
      clean(customer, worker);
    } finally {
      await worker.close();
    }
  });

  test('errors come as {code, message} with the ORDO_* code in the message, and the connection stays', async () => {
    assert.deepEqual(await customer.getJobStatus(999_999), [undefined, '{"error":"no job 999999"}']);
    assert.deepEqual(await customer.findJobs({}), ['ORDO_INVALID_PARAMS: find_jobs: an empty filter is not allowed']);
    assert.equal(await customer.createSlotgroup('pool', 2), 'ORDO_METHOD_NOT_FOUND: method not found: create_slotgroup');
    const [none, error] = await customer.call({ wfname: 'nope' });
    assert.equal(none, undefined);
    assert.match(error, /^\{"error":".*nope/);
    const reader = await PerlClient.connect(t.jcPort, { who: 'reader', token: t.tokens.user });
    try {
      const [id, refused] = await reader.call({ wfname: 'calltest', inargs: '{"input":1}' });
      assert.equal(id, undefined);
      assert.match(refused, /^\{"error":"ORDO_FORBIDDEN: the role user may not call create_job .*\(1009"\}$/);
      assert.equal(await reader.announce({ actionname: 'add', cb: add }), 'ORDO_FORBIDDEN: the role user may not call announce (it needs permission operate)');
      assert.equal(await customer.announce({ actionname: 'add', cb: add, slotgroup: 'pool' }), 'slot groups are not offered');
      assert.equal(await reader.ping(), true);
      clean(customer, reader);
    } finally {
      await reader.close();
    }
  });

  test('create_job with clenv, timeout and inargs the workflow does not declare; slots as a string; a task that dies fails its job', async () => {
    const worker = await PerlClient.connect(t.jcPort, { who: 'theEmployee', token: t.tokens.operator });
    const admin = await PerlClient.connect(t.jcPort, { who: 'apimeister', token: t.tokens.admin });
    try {
      const divide = (_job: number, i: Msg): Msg => {
        if (i.counter === 10) throw new Error('Illegal division by zero');
        return add(_job, i);
      };
      assert.equal(await worker.announce({ actionname: 'add', cb: divide, slots: '2', workername: 'adder 1' }), undefined);
      const [job, out] = await customer.call({ wfname: 'calltest', inargs: '{"input":1,"ticket":"T-1"}', clenv: '{"user":"alice"}', timeout: 30 });
      assert.equal(out, '{"output":4}');
      const run = await t.server.jobcenter!.host.wf.mustGetRun(job!);
      assert.deepEqual(run.state.e.clenv, { user: 'alice' });
      assert.deepEqual(await customer.findJobs({ ticket: 'T-1' }), [undefined, job], 'undeclared inargs are kept for find_jobs');

      const [failed, error] = await customer.call({ wfname: 'calltest', inargs: '{"input":10}' });
      const e = (JSON.parse(error) as { error: { msg: string; class: string } }).error;
      assert.ok(failed);
      assert.match(e.msg, /Illegal division by zero at \/usr\/bin\/jcworker line 42\./);

      assert.deepEqual(await admin.getApiStatus('stats'), { clients: 3, dead: 0, workers: 1 });
      const clients = await admin.getApiStatus('clients') as Msg[];
      const adder = clients.find((c) => c.workername === 'adder 1');
      assert.deepEqual(adder?.workeractions, { add: { filter: null, slots: 2, used: 0 } });
      assert.equal(adder?.who, 'theEmployee');
      assert.equal(await admin.getApiStatus('tasks'), 'no status for tasks');
      assert.equal(await customer.getApiStatus('stats'), 'ORDO_FORBIDDEN: the role operator may not call get_api_status (it needs permission manage)');

      assert.deepEqual(await worker.raw('withdraw', { actionname: 'add' }), { result: true });
      clean(customer, worker, admin);
    } finally {
      await worker.close();
      await admin.close();
    }
  });

  test('check_if_lock_exists: true while a job holds the lock', async () => {
    let finish: (() => void) | undefined;
    const worker = await PerlClient.connect(t.jcPort, { who: 'locker', token: t.tokens.operator });
    try {
      // An asynchronous worker: it reports when the test says so, and meanwhile the job holds the lock.
      assert.equal(await worker.announce({ actionname: 'add', mode: 'async', cb: (job, i, done) => void (finish = () => done(add(job, i))) }), undefined);
      const exists = async (lockvalue: string) => (await customer.raw('check_if_lock_exists', { locktype: 'host', lockvalue })) as { result: boolean };
      assert.deepEqual(await exists('db1'), { result: false });
      const called = customer.call({ wfname: 'lockedadd', inargs: '{"host":"db1","input":1}' });
      await waitFor('the task', () => (finish ? true : undefined));
      assert.deepEqual(await exists('db1'), { result: true });
      assert.deepEqual(await exists('db2'), { result: false });
      finish!();
      assert.equal((await called)[1], '{"output":4}');
      await waitFor('the lock released with the job', async () => ((await exists('db1')).result ? undefined : true));
      clean(customer, worker);
    } finally {
      await worker.close();
    }
  });

  test('the emulated library really drops a server whose error objects carry more than code and message', async () => {
    // A server that answers hello with an error carrying `data`, as Ordo's HTTP and WebSocket API do.
    const server = createServer((s: Socket) => {
      let buffer = '';
      const greetings = '{"jsonrpc":"2.0","method":"greetings","params":{"who":"jcapi","version":"1.1"}}';
      s.write(`${greetings.length}:${greetings},`);
      s.on('data', (d) => {
        buffer += d.toString('latin1');
        const m = /^(\d+):/.exec(buffer);
        if (!m || buffer.length < m[0].length + Number(m[1]) + 1) return;
        const id = (JSON.parse(buffer.slice(m[0].length, m[0].length + Number(m[1]))) as Msg).id;
        const body = JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32003, message: 'no', data: { code: 'ORDO_FORBIDDEN' } } });
        s.write(`${Buffer.byteLength(body)}:${body},`);
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const c = await PerlClient.connect((server.address() as AddressInfo).port, { who: 'x', token: 'y' });
      await c.rpc.closed;
      assert.equal(c.auth, '');
      assert.ok(c.rpc.log.includes('fatal: extra members in error object'), c.rpc.log.join('; '));
      assert.deepEqual(JSON.parse(c.rpc.sent.at(-1)!), { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: extra members in error object' } });
    } finally {
      server.close();
    }
  });
});

describe('a Perl worker busy in a synchronous task', () => {
  // JobCenter pings a worker every 60 s and waits 30 s for the answer; a task of 25 s must not cost the
  // worker its life. Scaled: 3 s to answer, a task of 2.5 s; pings every second, so that one surely
  // arrives while the worker is busy (it answers it when the task returns).
  let t: JcTestServer;
  before(async () => {
    t = await startJcServer({ pingMs: 1000, pingTimeoutMs: 3000 });
  });
  after(async () => t.close());

  test('answers the pings when its task returns and is not declared dead', async () => {
    const customer = await PerlClient.connect(t.jcPort, { who: 'theCustomer', token: t.tokens.operator });
    const worker = await PerlClient.connect(t.jcPort, { who: 'slowpoke', token: t.tokens.operator, pingTimeoutMs: 30_000 });
    try {
      assert.equal(await worker.announce({ actionname: 'add', cb: add, busyMs: 2500 }), undefined);
      let exit: number | undefined;
      void worker.work().then((code) => (exit = code));
      const [, out] = await customer.call({ wfname: 'calltest', inargs: '{"input":5}' });
      assert.equal(out, '{"output":8}');
      const late = worker.rpc.handled.filter((h) => h.method === 'ping' && h.whileBlocked);
      assert.ok(late.length >= 1, `a ping came while the worker was busy: ${JSON.stringify(worker.rpc.handled)}`);
      // It stays a worker: the next job goes to it too.
      const [, again] = await customer.call({ wfname: 'calltest', inargs: '{"input":6}' });
      assert.equal(again, '{"output":9}');
      assert.equal(exit, undefined, 'work() goes on');
      clean(customer, worker);
      await worker.close();
      await waitFor('work() to end', () => exit);
      assert.equal(exit, WORK_CONNECTION_CLOSED);
    } finally {
      await worker.close();
      await customer.close();
    }
  });
});
