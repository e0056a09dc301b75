/**
 * The JobCenter session on PostgreSQL: calltest through the netstring listener, a dead worker's task
 * handed to another worker, and the SDKs over the WebSocket.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OrdoClient, RemoteWorker } from '../../src/sdk/index.js';
import { RawClient, type Msg } from './raw-client.js';
import { startJcServer, type JcTestServer } from './support.js';

async function hello(t: JcTestServer, who: string): Promise<RawClient> {
  const c = await RawClient.connect(t.jcPort);
  await c.notification('greetings');
  assert.deepEqual(await c.call('hello', { who, method: 'password', token: t.tokens.operator }), [true, `welcome to the clientapi ${who}!`]);
  return c;
}

describe('JobCenter on PostgreSQL', () => {
  let t: JcTestServer;
  before(async () => {
    t = await startJcServer({ postgres: true });
  });
  after(async () => t.close());

  test('calltest {input: 123} over netstrings; a dead worker\'s task goes to another worker', async () => {
    const client = await hello(t, 'theCustomer');
    const a = await hello(t, 'a');
    const b = await hello(t, 'b');
    try {
      assert.deepEqual(await a.call('announce', { actionname: 'add' }), [true, 'success']);
      const [job] = await client.call('create_job', { wfname: 'calltest', inargs: { input: 123 } }) as [number];
      const ready = await a.notification('task_ready');
      const [, stale] = await a.call('get_task', { actionname: 'add', job_id: ready.job_id }) as [number, string];
      assert.deepEqual(await b.call('announce', { actionname: 'add' }), [true, 'success']);
      a.socket.destroy();
      await b.notification('task_ready', (p) => p.job_id === job);
      const [, cookie, inargs] = await b.call('get_task', { actionname: 'add', job_id: job }) as [number, string, Msg];
      assert.notEqual(cookie, stale);
      b.notify('task_done', { cookie, outargs: { counter: Number(inargs.counter) + Number(inargs.step) } });
      assert.deepEqual(await client.notification('job_done'), { job_id: job, outargs: { output: 126 } });
    } finally {
      await client.close();
      await b.close();
    }
  });

  test('the SDKs: call resolves with the outputs', async () => {
    const worker = new RemoteWorker({ url: t.url, token: t.tokens.operator, heartbeatMs: 200 });
    worker.action('add', async (input) => ({ counter: Number(input.counter) + Number(input.step) }), { slots: 4 });
    await worker.start();
    const client = await OrdoClient.connect({ url: t.url, token: t.tokens.operator });
    try {
      const outputs = await Promise.all([1, 2, 3].map((n) => client.call('calltest', { input: n })));
      assert.deepEqual(outputs, [{ output: 4 }, { output: 5 }, { output: 6 }]);
    } finally {
      await client.close();
      await worker.stop();
    }
  });
});
