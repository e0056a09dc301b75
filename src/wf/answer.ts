/**
 * Which event a run takes next, read inside its step transaction: an operator's interrupt first, then
 * the run's own timeout, then the answer to the effect it waits for (from its inbox, its event queue, or
 * the clock: a sleep's end, a lock or event wait that timed out). Stale answers (to effects the run has
 * left behind) and nudges are dropped on the way.
 */
import type { JsonObject } from '../lang/json.js';
import type { Effect, Event, ReportedError } from '../lang/vm/effects.js';
import type { RunState } from '../lang/vm/state.js';
import type { Queryable } from '../store/port.js';
import { readInbox } from './inbox.js';
import { cancelWait } from './locks.js';
import { take } from './subscriptions.js';
import type { InboxRow } from './types.js';

export interface Waiting {
  id: number;
  state: RunState;
  waitStep: number | null;
  wakeAt: number | null;
  deadlineAt: number | null;
  /** The run's own timeout in seconds (config: timeout), for the message when it passes. */
  timeout: number | null;
}

export interface Found {
  event: Event;
  /** Inbox rows to delete with the step (the answer, and what was dropped). */
  consumed: number[];
}

export interface Look {
  found: Found | null;
  /** Inbox rows seen but not used (dropped or left for later). */
  dropped: number[];
}

type Results = Extract<Event, { kind: 'children_done' }>['results'];

export async function findEvent(tx: Queryable, run: Waiting, now: number): Promise<Look> {
  const rows = await readInbox(tx, run.id);
  const current = (r: InboxRow): boolean => r.step !== null && r.step === run.waitStep;
  const dropped = rows.filter((r) => r.kind === 'nudge' || (r.step !== null && r.step !== run.waitStep) || (run.state.status === 'running' && r.kind !== 'interrupt')).map((r) => r.id);
  const done = (event: Event, used: number[] = []): Look => ({ found: { event, consumed: [...dropped, ...used] }, dropped });

  const interrupt = rows.find((r) => r.kind === 'interrupt');
  if (interrupt) return done({ kind: 'interrupt', error: interrupt.data.error as ReportedError }, [interrupt.id]);
  if (run.deadlineAt !== null && now >= run.deadlineAt) {
    return done({ kind: 'interrupt', error: { msg: `run timeout of ${run.timeout ?? '?'} s exceeded`, class: 'fatal' } });
  }
  const effect = run.state.status === 'waiting' ? run.state.pending?.effect : undefined;
  if (!effect) return { found: null, dropped };
  const mine = rows.filter(current);
  const generic = mine.find((r) => r.kind === 'failed');
  if (generic) return done(generic.data as unknown as Event, [generic.id]);
  const answered = await byEffect(tx, run, effect, mine, now);
  if (!answered) return { found: null, dropped };
  return done(answered.event, answered.used);
}

async function byEffect(tx: Queryable, run: Waiting, effect: Effect, mine: InboxRow[], now: number):
  Promise<{ event: Event; used: number[] } | null> {
  const first = (...kinds: string[]): { event: Event; used: number[] } | null => {
    const r = mine.find((x) => kinds.includes(x.kind));
    return r ? { event: r.data as unknown as Event, used: [r.id] } : null;
  };
  const due = run.wakeAt !== null && now >= run.wakeAt;
  switch (effect.kind) {
    case 'call_action': return first('action_done', 'action_failed');
    case 'start_child': return first('child_done', 'child_failed', 'child_started');
    case 'start_children': {
      const parts = mine.filter((r) => r.kind === 'child_result');
      const n = effect.children.length;
      const results: Results = new Array(n);
      for (const p of parts) {
        const k = Number(p.data.index);
        if (k >= 0 && k < n) results[k] = 'output' in p.data ? { output: p.data.output as JsonObject } : { error: p.data.error as ReportedError };
      }
      for (let k = 0; k < n; k++) if (results[k] === undefined) return null;
      return { event: { kind: 'children_done', results }, used: parts.map((p) => p.id) };
    }
    case 'sleep': return due ? { event: { kind: 'woken' }, used: [] } : null;
    case 'lock':
    case 'wait_for_lock': {
      const hit = first('lock_acquired', 'lock_failed');
      if (hit || !due) return hit;
      if (await cancelWait(tx, run.id)) {
        const wait = effect.kind === 'wait_for_lock' ? effect.wait : null;
        return { event: { kind: 'lock_failed', error: { msg: `waited ${wait ?? '?'} s for lock ${effect.type} '${effect.value}'`, class: 'timeout' } }, used: [] };
      }
      // Granted meanwhile by another transaction: its answer is in the inbox now.
      const again = (await readInbox(tx, run.id)).filter((r) => r.step === run.waitStep && r.kind === 'lock_acquired');
      return again[0] ? { event: { kind: 'lock_acquired' }, used: [again[0].id] } : null;
    }
    case 'unlock':
    case 'subscribe':
    case 'unsubscribe':
    case 'raise_event': return first('ack');
    case 'wait_for_event': {
      const event = await take(tx, run.id, effect.events);
      if (event) return { event: { kind: 'event_received', event }, used: [] };
      return due ? { event: { kind: 'event_timeout' }, used: [] } : null;
    }
    case 'done':
    case 'failed': return null;
    default: {
      const never: never = effect;
      throw new Error(`unknown effect ${JSON.stringify(never)}`);
    }
  }
}
