import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../store/open.js';
import type { Session } from '../context.js';
import { changeOf, type FeedEvent } from './changes.js';
import { EventFeed } from './feed.js';
import { SubscriptionHub } from './hub.js';

const ev = (over: Partial<FeedEvent>): FeedEvent => ({ id: 1, at: 5, runId: 7, taskId: null, job: null, kind: 'run_started', flow: 'f', ...over });

test('events become run.changed / task.changed with the state they lead to; others are not sent', () => {
  assert.deepEqual(changeOf(ev({})), { method: 'run.changed', params: { eventId: 1, at: 5, kind: 'run_started', run: 7, flow: 'f', data: {}, state: 'running' } });
  assert.equal(changeOf(ev({ taskId: 3, job: 'a', kind: 'task_attempt_failed' }))?.params.state, 'ready');
  assert.equal(changeOf(ev({ taskId: 3, job: 'a', kind: 'skip_requested' }))?.params.state, null);
  assert.equal(changeOf(ev({ kind: 'kv_set' })), null);
  assert.equal(changeOf(ev({ runId: null, kind: 'gate_opened' })), null);
});

test('the hub sends each change to the subscriptions that match it, and tells when it is in use', () => {
  const active: boolean[] = [];
  const hub = new SubscriptionHub((a) => active.push(a));
  const got: Array<[string, unknown]> = [];
  const session: Session = { id: 's1', notify: (m, p) => got.push([m, p.subscription]) };
  const byRun = hub.subscribe(session, { runs: [7] });
  const byFlow = hub.subscribe(session, { flows: ['g'] });
  hub.deliver([ev({}), ev({ id: 2, runId: 8, flow: 'g' }), ev({ id: 3, runId: 9, flow: 'h' })]);
  assert.deepEqual(got, [['run.changed', byRun], ['run.changed', byFlow]]);
  assert.equal(hub.unsubscribe(session, byRun), true);
  assert.equal(hub.unsubscribe(session, byRun), false);
  hub.drop(session);
  assert.deepEqual(active, [true, false]);
  assert.equal(hub.count, 0);
});

test('the feed reads new events by id and delivers an id that committed late', async () => {
  const store = await openStore({ stateDir: '/nonexistent', sqlitePath: ':memory:' });
  const seen: number[] = [];
  const feed = new EventFeed({ db: store.sql, pollMs: 10_000, onEvents: (es) => seen.push(...es.map((e) => e.id)), onError: (e) => assert.fail(e) });
  try {
    const insert = (id: number) => store.sql.run("INSERT INTO events (id, at, run_id, kind) VALUES (?, 1, NULL, 'x')", [id]);
    await insert(1);
    await feed.setActive(true);
    const tick = async () => {
      feed.wake();
      for (let i = 0; i < 100 && (feed as unknown as { running: unknown }).running; i++) await new Promise((r) => setTimeout(r, 1));
    };
    await insert(2);
    await insert(4);
    await tick();
    assert.deepEqual(seen, [2, 4], 'only what is new since it started');
    await insert(3); // the transaction that took id 3 commits after the one of id 4
    await tick();
    assert.deepEqual(seen, [2, 4, 3]);
    await insert(5);
    await tick();
    assert.deepEqual(seen, [2, 4, 3, 5]);
  } finally {
    await feed.stop();
    await store.close();
  }
});
