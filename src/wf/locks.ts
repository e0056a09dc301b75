/**
 * Workflow locks, durable, with the semantics of the in-memory driver (src/lang/vm/memory-locks.ts): a lock
 * (type, value) has one holder plus the descendants that share it by inheritance; waiters are served first
 * come, first served (the waiter table's id order); before a run is queued the wait-for graph (a run waits
 * for the children it called and for the holders of the lock it waits for) is searched, and a request that
 * would close a cycle fails with a `lock` error instead. Every function runs inside the caller's
 * transaction; a grant to a waiter is an answer in the waiter's inbox.
 */
import type { Queryable } from '../store/port.js';
import { answer } from './inbox.js';
import { formatRunId } from './types.js';

export interface LockRequest {
  runId: number;
  step: number;
  type: string;
  value: string;
  inherit: boolean;
  /** Seconds to wait at most: 0 = do not wait, null = no limit. */
  wait: number | null;
}

export type LockOutcome = { kind: 'granted' } | { kind: 'failed'; msg: string } | { kind: 'queued' };

interface Held {
  holder: number;
  inherit: boolean;
  sharers: number[];
}

async function held(tx: Queryable, type: string, value: string): Promise<Held | undefined> {
  const [row] = await tx.query('SELECT holder, inherit FROM wf_locks WHERE lock_type = ? AND lock_value = ?', [type, value]);
  if (!row) return undefined;
  const sharers = await tx.query('SELECT run_id FROM wf_lock_sharers WHERE lock_type = ? AND lock_value = ?', [type, value]);
  return { holder: Number(row.holder), inherit: Number(row.inherit) === 1, sharers: sharers.map((s) => Number(s.run_id)) };
}

/** The runs that wait for `runId` to end, through `call`/`split`/`map` (detached runs do not). */
async function ancestors(tx: Queryable, runId: number): Promise<number[]> {
  const rows = await tx.query(
    'WITH RECURSIVE anc(id, parent, waited) AS (SELECT id, parent_id, waited FROM wf_runs WHERE id = ? ' +
    'UNION ALL SELECT r.id, r.parent_id, r.waited FROM wf_runs r JOIN anc ON r.id = anc.parent WHERE anc.waited > 0) ' +
    'SELECT id FROM anc WHERE id <> ?', [runId, runId]);
  return rows.map((r) => Number(r.id));
}

export async function acquire(tx: Queryable, req: LockRequest, at: number): Promise<LockOutcome> {
  const h = await held(tx, req.type, req.value);
  if (!h) {
    await tx.run('INSERT INTO wf_locks (lock_type, lock_value, holder, inherit, acquired_at) VALUES (?, ?, ?, ?, ?)',
      [req.type, req.value, req.runId, req.inherit ? 1 : 0, at]);
    return { kind: 'granted' };
  }
  if (h.holder === req.runId || h.sharers.includes(req.runId)) return { kind: 'granted' };
  const anc = await ancestors(tx, req.runId);
  if ((h.inherit || req.inherit) && (anc.includes(h.holder) || h.sharers.some((s) => anc.includes(s)))) {
    await tx.run('INSERT INTO wf_lock_sharers (lock_type, lock_value, run_id) VALUES (?, ?, ?)', [req.type, req.value, req.runId]);
    return { kind: 'granted' };
  }
  const what = `lock ${req.type} '${req.value}'`;
  if (req.wait === 0) return { kind: 'failed', msg: `${what} is held by ${formatRunId(h.holder)}` };
  if (await reaches(tx, h.holder, req.runId, new Set())) {
    return { kind: 'failed', msg: `deadlock: waiting for ${what}, held by ${formatRunId(h.holder)}, which waits for this run` };
  }
  await tx.run('INSERT INTO wf_lock_waiters (lock_type, lock_value, run_id, step, inherit, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    [req.type, req.value, req.runId, req.step, req.inherit ? 1 : 0, at]);
  return { kind: 'queued' };
}

/** Whether `from` waits, directly or through others, for `target`. */
async function reaches(tx: Queryable, from: number, target: number, seen: Set<number>): Promise<boolean> {
  if (from === target) return true;
  if (seen.has(from)) return false;
  seen.add(from);
  const next: number[] = (await tx.query(
    "SELECT id FROM wf_runs WHERE parent_id = ? AND waited > 0 AND status IN ('running', 'waiting')", [from])).map((r) => Number(r.id));
  const [w] = await tx.query('SELECT lock_type, lock_value FROM wf_lock_waiters WHERE run_id = ?', [from]);
  if (w) {
    const h = await held(tx, String(w.lock_type), String(w.lock_value));
    if (h) next.push(h.holder, ...h.sharers);
  }
  for (const r of next) if (await reaches(tx, r, target, seen)) return true;
  return false;
}

/** Removes a queued request (its wait timed out); false when it was granted meanwhile. */
export async function cancelWait(tx: Queryable, runId: number): Promise<boolean> {
  return (await tx.run('DELETE FROM wf_lock_waiters WHERE run_id = ?', [runId])) > 0;
}

/** Releases one lock the run holds (or shares): the runs woken, or false when it holds nothing of the kind. */
export async function release(tx: Queryable, runId: number, type: string, value: string, at: number): Promise<number[] | false> {
  if ((await tx.run('DELETE FROM wf_lock_sharers WHERE lock_type = ? AND lock_value = ? AND run_id = ?', [type, value, runId])) > 0) return [];
  if ((await tx.run('DELETE FROM wf_locks WHERE lock_type = ? AND lock_value = ? AND holder = ?', [type, value, runId])) === 0) return false;
  await tx.run('DELETE FROM wf_lock_sharers WHERE lock_type = ? AND lock_value = ?', [type, value]);
  return serve(tx, type, value, at);
}

/** Gives a free lock to its oldest waiter; returns the run woken (if any). */
async function serve(tx: Queryable, type: string, value: string, at: number): Promise<number[]> {
  const [next] = await tx.query('SELECT id, run_id, step, inherit FROM wf_lock_waiters WHERE lock_type = ? AND lock_value = ? ORDER BY id LIMIT 1', [type, value]);
  if (!next) return [];
  const runId = Number(next.run_id);
  await tx.run('DELETE FROM wf_lock_waiters WHERE id = ?', [Number(next.id)]);
  await tx.run('INSERT INTO wf_locks (lock_type, lock_value, holder, inherit, acquired_at) VALUES (?, ?, ?, ?, ?)',
    [type, value, runId, Number(next.inherit), at]);
  await answer(tx, runId, Number(next.step), { kind: 'lock_acquired' }, at);
  return [runId];
}

/** A run ended: its queued request, its shares and its locks go; each freed lock goes to its next waiter. */
export async function releaseAll(tx: Queryable, runId: number, at: number): Promise<number[]> {
  await tx.run('DELETE FROM wf_lock_waiters WHERE run_id = ?', [runId]);
  await tx.run('DELETE FROM wf_lock_sharers WHERE run_id = ?', [runId]);
  const mine = await tx.query('SELECT lock_type, lock_value FROM wf_locks WHERE holder = ?', [runId]);
  const woken: number[] = [];
  for (const l of mine) {
    const released = await release(tx, runId, String(l.lock_type), String(l.lock_value), at);
    if (released) woken.push(...released);
  }
  return woken;
}
