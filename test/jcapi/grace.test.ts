/**
 * A WebSocket worker whose connection closes is declared dead after a short grace period, long before its
 * worker timeout: its claimed task goes to another worker. (A worker that reconnects within the grace takes
 * its tasks over: sdk.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { OrdoClient, RemoteWorker } from '../../src/sdk/index.js';
import type { Msg } from './raw-client.js';
import { startJcServer, waitFor } from './support.js';

test('a WebSocket worker that disconnects is dead after the grace period, not the worker timeout', async () => {
  const t = await startJcServer({ workerTimeoutMs: 120_000, reconnectGraceMs: 300 });
  const client = await OrdoClient.connect({ url: t.url, token: t.tokens.operator });
  try {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${t.tokens.operator}` } });
    const got: Msg[] = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d)) as Msg));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'announce', params: { actionname: 'add', workername: 'gone', slots: 1 } }));
    await waitFor('announced', () => got.find((m) => m.id === 1));
    const job = await client.start('calltest', { input: 1 });
    const ready = await waitFor('task_ready', () => got.find((m) => m.method === 'task_ready'));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'get_task', params: { actionname: 'add', job_id: (ready.params as Msg).job_id } }));
    const claimed = await waitFor('the task', () => got.find((m) => m.id === 2));
    assert.ok(Array.isArray(claimed.result), JSON.stringify(claimed));
    const closed = new Promise((r) => ws.once('close', r));
    ws.close();
    await closed;
    const other = new RemoteWorker({ url: t.url, token: t.tokens.operator, name: 'other' });
    other.action('add', async (input) => ({ counter: Number(input.counter) + Number(input.step) }));
    await other.start();
    try {
      // Well within the 120 s worker timeout: the grace (300 ms) made the first worker dead.
      assert.deepEqual(await client.wait(job, 20_000), { ok: true, output: { output: 4 } });
      assert.equal(other.stats.done, 1);
    } finally {
      await other.stop();
    }
  } finally {
    await client.close();
    await t.close();
  }
});
