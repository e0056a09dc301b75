/** Singleton leases in the agent hub, without sockets: grant on a live host, renewals, fences, expiry. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { HostDef, JobDef } from '../defs/model.js';
import type { AttemptRequest } from '../engine/ports.js';
import { memoryStore } from '../testkit/index.js';
import { AgentHub, type AgentSession } from './agents.js';

function session(id: string): AgentSession & { told: Array<[string, Record<string, unknown>]> } {
  const told: Array<[string, Record<string, unknown>]> = [];
  return { id, told, notify: (method, params) => told.push([method, params]) };
}

const job = { name: 'j', kind: 'command', singleton: { lease: 'flow:f', hosts: ['a', 'b'] }, command: { kind: 'argv', argv: ['true'] }, env: {},
  killGraceMs: 1000, retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 }, successCodes: [0], after: [], enabled: true, extends: [],
  locks: [], priority: 0 } as JobDef;
const request = (taskId: number): AttemptRequest =>
  ({ runId: '1', taskId, flow: 'f', job, attempt: 1, token: 5, input: {}, env: {}, logMaxBytes: 1024 });
const outcome = { status: 'succeeded', exitCode: 0, signal: null, startedAt: 1, endedAt: 2 };
const host = (name: string): [string, HostDef] => [name, { name, transport: 'agent', labels: {}, slots: 2 }];
const starts = (s: ReturnType<typeof session>) => s.told.filter(([m]) => m === 'agent.start').map(([, p]) => p as { key: string; lease: { fence: number } });

test('one singleton attempt at a time: granted on a live host, released by its result, refused with an old fence, lost when not renewed', async () => {
  const store = await memoryStore();
  const h = new AgentHub({ store, hosts: new Map([host('a'), host('b')]), leaseMs: 60_000, stateDir: '/nonexistent', singleton: { ttlMs: 600, marginMs: 150 } });
  await h.init();
  try {
    const first = h.start(request(1));
    await sleep(300);
    const a = session('sa');
    const b = session('sb');
    assert.equal((await h.hello(a, { name: 'a', attempts: [] })).renewEveryMs, 75);
    await h.hello(b, { name: 'b', attempts: [] });
    // The waiting attempt goes to a live host, with fence 1; the next one waits for the lease.
    const [sent] = await waitStarts(a, 1);
    assert.deepEqual([sent!.key, sent!.lease.fence], ['1/1/1', 1]);
    const second = h.start(request(2));
    await sleep(100);
    assert.equal(starts(b).length + starts(a).length, 1, 'the lease is held: nothing else starts');
    assert.deepEqual(await h.renew(a, { leases: [{ key: '1/1/1', fence: 1 }] }), { renewed: ['1/1/1'], lost: [], ttlMs: 600 });
    assert.deepEqual(await h.renew(b, { leases: [{ key: '1/1/1', fence: 1 }] }), { renewed: [], lost: ['1/1/1'], ttlMs: 600 }, 'another host cannot renew');
    assert.deepEqual(await h.done(a, { key: '1/1/1', token: 5, fence: 0, outcome }), { accepted: false, reason: 'stale fence' });
    assert.deepEqual(await h.done(a, { key: '1/1/1', token: 5, fence: 1, outcome }), { accepted: true });
    assert.equal((await first.done).status, 'succeeded');
    // Released: the second gets fence 2 on the host that held it last, and is lost when nobody renews it.
    await h.renew(b, { leases: [] });
    const next = (await waitStarts(a, 2))[1]!;
    assert.deepEqual([next.key, next.lease.fence], ['1/2/1', 2]);
    // (the hub's timers do not hold the process open: a sleep does, meanwhile)
    const lost = await Promise.race([second.done, sleep(3000).then(() => assert.fail('the lease never ran out'))]);
    assert.equal(lost.status, 'lost');
    assert.match(lost.error ?? '', /singleton lease \(flow:f, fence 2\) on host a ran out/);
    assert.deepEqual(await h.renew(a, { leases: [{ key: '1/2/1', fence: 2 }] }), { renewed: [], lost: [], ttlMs: 600 }, 'too late');
    assert.equal((await h.done(a, { key: '1/2/1', token: 5, fence: 2, outcome })).accepted, false, 'a result after the lease ended is refused');
  } finally {
    h.close();
    await store.close();
  }
});

async function waitStarts(s: ReturnType<typeof session>, n: number) {
  for (let i = 0; i < 100 && starts(s).length < n; i++) await sleep(20);
  assert.equal(starts(s).length, n, JSON.stringify(s.told));
  return starts(s);
}
