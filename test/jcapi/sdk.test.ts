/**
 * The TypeScript SDKs end to end over the WebSocket: a RemoteWorker implements `add`, an OrdoClient calls
 * calltest and gets {output: 126}; failures arrive as data; events raised through the client wake a
 * waiting run; the worker reconnects after its connection drops and reports the task it was running; a
 * graceful stop finishes running tasks, then withdraws.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OrdoError } from '../../src/errors.js';
import type { JsonObject } from '../../src/lang/json.js';
import { ActionFailure, JobFailed, OrdoClient, RemoteWorker, type RemoteActionHandler } from '../../src/sdk/index.js';
import { startJcServer, waitFor, type JcTestServer } from './support.js';

const add: RemoteActionHandler = async (input) => ({ counter: Number(input.counter) + Number(input.step) });

function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

describe('the client and remote worker SDKs over the WebSocket', () => {
  let t: JcTestServer;
  let client: OrdoClient;
  before(async () => {
    t = await startJcServer();
    client = await OrdoClient.connect({ url: t.url, token: t.tokens.operator });
  });
  after(async () => {
    await client.close();
    await t.close();
  });

  test('call resolves with the outputs; start, status and subscribe', async () => {
    const worker = new RemoteWorker({ url: t.url, token: t.tokens.operator, name: 'sdk-adder', heartbeatMs: 200 });
    worker.action('add', add, { slots: 2 });
    await worker.start();
    try {
      assert.deepEqual(await client.call('calltest', { input: 123 }, { timeoutMs: 10_000 }), { output: 126 });
      const metrics = await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.tokens.user}` } })).text();
      assert.match(metrics, /^ordo_workers 1$/m);
      assert.match(metrics, /^ordo_worker_slots 2$/m);
      const job = await client.start('calltest', { input: 1 });
      const ended = await client.wait(job, 10_000);
      assert.deepEqual(ended, { ok: true, output: { output: 4 } });
      assert.deepEqual(await client.status(job), { done: true, ok: true, output: { output: 4 } });
      const seen = await new Promise((resolve) => client.subscribe(job, resolve));
      assert.deepEqual(seen, { ok: true, output: { output: 4 } }, 'subscribing to an ended job tells at once');
      assert.equal(worker.stats.done, 2);
      const outputs = await Promise.all([1, 2, 3, 4, 5].map((n) => client.call('calltest', { input: n })));
      assert.deepEqual(outputs, [4, 5, 6, 7, 8].map((output) => ({ output })));
    } finally {
      await worker.stop();
    }
  });

  test('a failure crosses the wire as data: call rejects with the workflow error', async () => {
    const worker = new RemoteWorker({ url: t.url, token: t.tokens.operator, heartbeatMs: 200 });
    worker.action('add', async () => {
      throw new ActionFailure('the abacus broke', 'normal', { abacus: 7 });
    });
    await worker.start();
    try {
      await assert.rejects(client.call('calltest', { input: 1 }), (err: unknown) => {
        assert.ok(err instanceof JobFailed);
        assert.equal(err.error.msg, 'the abacus broke');
        assert.equal(err.error.class, 'normal');
        assert.equal(err.error.abacus, 7);
        return true;
      });
      assert.equal(worker.stats.failed, 1);
    } finally {
      await worker.stop();
    }
    await assert.rejects(client.start('nope'), (err: unknown) => err instanceof OrdoError && /nope/.test(err.message));
  });

  test('raiseEvent reaches a run waiting for the event', async () => {
    const job = await client.start('waiter');
    const queued = await waitFor('the run to subscribe', async () => {
      const n = await client.raiseEvent({ kind: 'order', id: 42 });
      return n > 0 ? n : undefined;
    });
    assert.equal(queued, 1);
    assert.deepEqual(await client.wait(job, 10_000), { ok: true, output: { got: { name: 'paid', event: { kind: 'order', id: 42 } } } });
  });

  test('the worker reconnects after its connection drops and reports the task it was running', async () => {
    const held = gate();
    const started = gate();
    const errors: string[] = [];
    const worker = new RemoteWorker({
      url: t.url, token: t.tokens.operator, name: 'flaky', heartbeatMs: 200, minBackoffMs: 20, maxBackoffMs: 200,
      onError: (e) => errors.push(e.message),
    });
    worker.action('add', async (input) => {
      started.open();
      await held.wait;
      return add(input, undefined as never);
    });
    await worker.start();
    try {
      const result = client.call('calltest', { input: 10 });
      await started.wait;
      (worker as unknown as { link: { drop(): void } }).link.drop();
      await waitFor('a reconnect', () => (errors.some((e) => /reconnecting/.test(e)) ? true : undefined));
      held.open();
      assert.deepEqual(await result, { output: 13 });
      assert.equal(worker.stats.done, 1);
      assert.equal(worker.stats.refused, 0, 'the new connection took over the claim');
      assert.deepEqual(await client.call('calltest', { input: 20 }), { output: 23 }, 'announced again after the reconnect');
    } finally {
      await worker.stop();
    }
  });

  test('stop finishes the running task and reports it, then withdraws', async () => {
    const held = gate();
    const started = gate();
    const worker = new RemoteWorker({ url: t.url, token: t.tokens.operator, heartbeatMs: 200 });
    worker.action('add', async (input: JsonObject) => {
      started.open();
      await held.wait;
      return add(input, undefined as never);
    });
    await worker.start();
    const result = client.call('calltest', { input: 30 });
    await started.wait;
    const stopping = worker.stop();
    setTimeout(() => held.open(), 100);
    await stopping;
    assert.deepEqual(await result, { output: 33 });
    const stats = t.server.jobcenter!.service.dispatcher.workers.stats;
    assert.deepEqual(stats, { workers: 0, slots: 0 }, 'withdrawn');
  });

  test('a refused token or a refused announce makes start reject; a client without a server gives up', async () => {
    const bad = new RemoteWorker({ url: t.url, token: 'ordo_nope' });
    bad.action('add', add);
    await assert.rejects(bad.start(), (err: unknown) => err instanceof OrdoError && err.code === 'ORDO_UNAUTHENTICATED');
    const guarded = new RemoteWorker({ url: t.url, token: t.tokens.operator });
    guarded.action('guarded', add);
    await assert.rejects(guarded.start(), /limited to the role pool/);
    await assert.rejects(OrdoClient.connect({ url: 'http://127.0.0.1:1', connectWithinMs: 300, minBackoffMs: 20 }),
      (err: unknown) => err instanceof OrdoError && err.code === 'ORDO_UNAVAILABLE', 'no server: the client gives up');
    await assert.rejects(OrdoClient.connect({ url: t.url, token: 'ordo_nope' }), (err: unknown) => err instanceof OrdoError && err.code === 'ORDO_UNAUTHENTICATED');
  });
});
