/** The server's side of agents, without sockets: a session that records what it is told, a store in memory. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobDef } from '../defs/model.js';
import type { AttemptRequest } from '../engine/ports.js';
import { memoryStore } from '../testkit/index.js';
import { AgentHub, type AgentSession } from './agents.js';

function session(id: string): AgentSession & { told: Array<[string, Record<string, unknown>]> } {
  const told: Array<[string, Record<string, unknown>]> = [];
  return { id, told, notify: (method, params) => told.push([method, params]) };
}

const job = { name: 'j', kind: 'command', host: 'web1', command: { kind: 'argv', argv: ['true'] }, env: {}, killGraceMs: 1000,
  retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 }, successCodes: [0], after: [], enabled: true, extends: [], locks: [], priority: 0 } as JobDef;
const request = (attempt: number): AttemptRequest =>
  ({ runId: '1', taskId: 7, flow: 'f', job, attempt, token: 10 + attempt, input: {}, env: {}, logMaxBytes: 1024 });

async function hub() {
  const store = await memoryStore();
  const h = new AgentHub({ store, hosts: new Map([['web1', { name: 'web1', transport: 'agent', labels: {}, slots: 2 }]]), leaseMs: 60_000, stateDir: '/nonexistent' });
  await h.init();
  return { h, close: async () => { h.close(); await store.close(); } };
}

test('an outcome is taken once, with its token; a malformed one is refused and changes nothing', async () => {
  const { h, close } = await hub();
  try {
    const s = session('s1');
    await h.hello(s, { name: 'web1', attempts: [] });
    const handle = h.start(request(1));
    assert.equal(s.told[0]![0], 'agent.start');
    await assert.rejects(h.done(s, { key: '1/7/1', token: 11, outcome: {} }), /ORDO_INVALID_PARAMS|outcome.status/);
    assert.deepEqual(await h.done(s, { key: '1/7/1', token: 99, outcome: {} }), { accepted: false, reason: 'stale token' });
    const outcome = { status: 'succeeded', exitCode: 0, signal: null, startedAt: 1, endedAt: 2 };
    assert.deepEqual(await h.done(s, { key: '1/7/1', token: 11, outcome }), { accepted: true });
    assert.equal((await handle.done).status, 'succeeded');
    assert.equal((await h.done(s, { key: '1/7/1', token: 11, outcome })).accepted, false, 'a repeated outcome is refused');
    assert.equal((await h.done(session('other'), { key: '1/7/1', token: 11, outcome })).accepted, false, 'another session cannot report');
  } finally {
    await close();
  }
});

test('an abort while the agent is away ends a queued attempt without sending it, and reaches a running one on hello', async () => {
  const { h, close } = await hub();
  try {
    const queued = h.start(request(1));
    queued.abort('operator');
    assert.equal((await queued.done).status, 'aborted');
    const s = session('s1');
    await h.hello(s, { name: 'web1', attempts: [] });
    assert.deepEqual(s.told.map(([m]) => m), [], 'nothing is sent for the aborted attempt');
    const running = h.start(request(2));
    h.sessionClosed('s1');
    running.abort('operator');
    const back = session('s2');
    await h.hello(back, { name: 'web1', attempts: [{ key: '1/7/2', token: 12, state: 'running' }] });
    assert.deepEqual(back.told, [['agent.abort', { key: '1/7/2', reason: 'operator' }]]);
  } finally {
    await close();
  }
});
