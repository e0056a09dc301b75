/**
 * One VM step, one transaction: the answer the run takes (consumed from its inbox), the new RunState
 * (written only if the row's rev is still the one this engine read, and this engine still owns it), the
 * step-log row (wf_steps: the log of every transition), and the effect served with its rows. An end that follows
 * at once is taken in the same transaction. When the run ends, its locks go
 * to their next waiters, its subscriptions and unfinished tasks go, its waiting parent is told and the
 * children it still waited for are cancelled, all in the same transaction.
 */
import type { JsonObject } from '../lang/json.js';
import type { Effect, Event } from '../lang/vm/effects.js';
import type { RunState } from '../lang/vm/state.js';
import type { Queryable, SqlPort } from '../store/port.js';
import { findEvent } from './answer.js';
import { featuresOf } from './features.js';
import { tryFused } from './fused.js';
import { planStep, runValues, stepped, stepValues, type PlannedStep } from './plan.js';
import type { Catalog } from './catalog.js';
import { clearInbox, consume, post } from './inbox.js';
import type { LiveRun } from './live.js';
import { releaseAll } from './locks.js';
import { insertEvent } from './rows.js';
import { activeChildren, notifyParent } from './runs.js';
import { serve, type LocalWorker, type Notes } from './serve.js';
import { dropRun } from './subscriptions.js';
import { cancelRunTasks, recordResult } from './tasks.js';
import { formatRunId } from './types.js';

export interface StepEnv {
  db: SqlPort;
  owner: string;
  catalog: Catalog;
  now(): number;
  reserve?: (action: string) => LocalWorker | undefined;
}

export type StepOutcome = { kind: 'stepped' } | { kind: 'idle' } | { kind: 'stale' };

/** The write was refused: the row moved on (an operator) or another engine took the run. */
class Stale extends Error {}

/**
 * Takes the run's next step, if it has one to take: a running run always does; a waiting run when an
 * answer is there (the result an in-process worker handed over, its inbox, the clock). `notes` collects
 * what to do after the commit.
 */
export async function takeStep(env: StepEnv, run: LiveRun, notes: Notes): Promise<StepOutcome> {
  const now = env.now();
  const direct = run.state.status === 'waiting' ? run.direct ?? null : null;
  run.direct = null;
  const fused = await tryFused(env, run, notes, direct);
  if (fused === 'stepped') return { kind: 'stepped' };
  if (fused === 'stale') {
    if (direct) run.direct = direct;
    return { kind: 'stale' };
  }
  let recorded: Awaited<ReturnType<typeof recordResult>> = null;
  let looked = false;
  let wrote: { state: RunState; stepNo: number; effect: Effect | undefined; wakeAt: number | null; taken: number } | null;
  try {
    wrote = await env.db.groupTransaction(async (tx) => {
      let event: Event | undefined;
      let consumed: number[] = [];
      recorded = null;
      if (direct) {
        // The worker's result is recorded with the step that takes it: no inbox row, one transaction.
        recorded = await recordResult(tx, direct.cookie, direct.outargs, now);
        if (recorded?.event) event = recorded.event;
      }
      const overdue = run.deadlineAt !== null && now >= run.deadlineAt;
      if (!event && (run.state.status === 'waiting' || run.checkInbox || overdue)) {
        looked = true;
        const look = await findEvent(tx, { ...run, timeout: run.program.config.timeout }, now);
        if (look.found) ({ event, consumed } = look.found);
        else if (run.state.status === 'waiting') {
          await consume(tx, look.dropped);
          return null;
        } else consumed = look.dropped;
      }
      await consume(tx, consumed);
      // A run's end that follows at once (a result taken, then the end) is taken in the same transaction: it
      // is still its own row in wf_steps, and the run's row is written once, with the last state. Only the end:
      // other steps keep a transaction each, so runs interleave as they always have.
      const rows: PlannedStep[] = [planStep(run, event, now)];
      const first = rows[0]!;
      if (first.next.status === 'running' && !(run.deadlineAt !== null && now >= run.deadlineAt)) {
        const at: LiveRun = { ...run };
        stepped(at, { state: first.next, stepNo: first.stepNo, wakeAt: first.wakeAt });
        const end = planStep(at, undefined, now);
        if (end.ended) rows.push(end);
      }
      const row = rows[rows.length - 1]!;
      const { next, stepNo, effect, waiting, ended, wakeAt } = row;
      const changed = await tx.run(
        'UPDATE wf_runs SET status = ?, state = ?, step = ?, wait_step = ?, wake_at = ?, rev = rev + ?, updated_at = ?, output = ?, ' +
        'error = ?, ended_at = ? WHERE id = ? AND rev = ? AND owner = ?', [...runValues(row, now, rows.length), run.id, run.rev, env.owner]);
      if (changed === 0) throw new Stale();
      for (const r of rows) {
        await tx.run('INSERT INTO wf_steps (run_id, step, at, pc, op, event, effect, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [run.id, ...stepValues(r, now)]);
      }
      if (waiting && effect) {
        await serve({ tx, now, owner: env.owner, catalog: env.catalog, notes, reserve: env.reserve },
          { id: run.id, rootId: run.rootId, step: stepNo, workflow: run.program.name }, effect);
      }
      if (ended) await endRun(tx, run, next, now, notes);
      return { state: next, stepNo, effect, wakeAt, taken: rows.length };
    });
  } catch (err) {
    notes.rolledBack();
    if (direct) run.direct = direct;
    if (err instanceof Stale) return { kind: 'stale' };
    throw err;
  }
  const r = recorded as Awaited<ReturnType<typeof recordResult>>;
  if (direct) direct.settle(r !== null, r?.outcome);
  if (looked) run.checkInbox = false;
  if (!wrote) {
    // Nothing answered although the wake-up time passed (an answer is on its way): do not spin on it.
    if (run.wakeAt !== null && run.wakeAt <= now) run.wakeAt = null;
    return { kind: 'idle' };
  }
  stepped(run, wrote, wrote.taken);
  return { kind: 'stepped' };
}

async function endRun(tx: Queryable, run: LiveRun, state: RunState, now: number, notes: Notes): Promise<void> {
  const can = featuresOf(run.program);
  if (can.locks) for (const id of await releaseAll(tx, run.id, now)) notes.wake.add(id);
  if (can.events) await dropRun(tx, run.id);
  await cancelRunTasks(tx, run.id, now);
  await clearInbox(tx, run.id);
  const result = state.status === 'done' ? { output: state.output ?? {} } : { error: state.error ?? { msg: 'unknown error', class: 'normal' as const } };
  const parent = await notifyParent(tx, { id: run.id, parentId: run.parentId, parentStep: run.parentStep, parentIndex: run.parentIndex, join: run.join, result }, now);
  if (parent !== null) notes.wake.add(parent);
  for (const child of can.children ? await activeChildren(tx, run.id) : []) {
    await post(tx, child, null, 'interrupt', { error: { msg: `cancelled: its parent ${formatRunId(run.id)} ended`, class: 'fatal' } }, now);
    notes.wake.add(child);
  }
  const data: JsonObject = state.status === 'done' ? { output: state.output ?? {} } : { error: state.error ?? null };
  await insertEvent(tx, { at: now, runId: run.id, kind: state.status === 'done' ? 'wf_run_done' : 'wf_run_failed', data });
}
