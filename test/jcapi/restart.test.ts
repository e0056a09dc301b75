/**
 * Jobs survive a server restart: a job created on one server, whose worker never came, is adopted by the
 * next server on the same store and ends there when a worker connects.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../support/tmp.js';
import { RawClient, type Msg } from './raw-client.js';
import { startJcServer, type JcTestServer } from './support.js';

async function hello(t: JcTestServer, who: string): Promise<RawClient> {
  const c = await RawClient.connect(t.jcPort);
  await c.notification('greetings');
  assert.deepEqual(await c.call('hello', { who, method: 'password', token: t.tokens.operator }), [true, `welcome to the clientapi ${who}!`]);
  return c;
}

test('a job left by a stopped server is adopted and finished by the next one', async () => {
  const tmp = tempDir('ordo-jcapi-restart-');
  try {
    const first = await startJcServer({ dir: tmp.path });
    const c1 = await hello(first, 'theCustomer');
    const [job] = await c1.call('create_job', { wfname: 'calltest', inargs: { input: 40 } }) as [number];
    await c1.close();
    await first.close();

    const second = await startJcServer({ dir: tmp.path });
    try {
      const worker = await hello(second, 'theEmployee');
      const client = await hello(second, 'theCustomer');
      assert.deepEqual(await worker.call('announce', { actionname: 'add' }), [true, 'success']);
      assert.deepEqual(await client.call('get_job_status', { job_id: job, notify: true }), [null, null]);
      await worker.notification('task_ready', (p) => p.job_id === job);
      const [, cookie, inargs] = await worker.call('get_task', { actionname: 'add', job_id: job }) as [number, string, Msg];
      worker.notify('task_done', { cookie, outargs: { counter: Number(inargs.counter) + Number(inargs.step) } });
      assert.deepEqual(await client.notification('job_done'), { job_id: job, outargs: { output: 43 } });
      await worker.close();
      await client.close();
    } finally {
      await second.close();
    }
  } finally {
    tmp.cleanup();
  }
});
