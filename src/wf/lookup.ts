/**
 * Read-only lookups over the workflow runtime's tables for the JobCenter service: which runs have a task of
 * an action ready (with its inputs, for announce filters), so that workers can be told (`task_ready` carries
 * a job id), which runs' inputs contain a filter (`find_jobs`), and whether a lock is held
 * (`check_if_lock_exists`). Nothing here writes.
 */
import { contains } from '../lang/contains.js';
import { isObject, type Json, type JsonObject } from '../lang/json.js';
import type { Queryable } from '../store/port.js';

export interface ReadyJob {
  jobId: number;
  /** The task's inargs, read only when asked for (to match announce filters). */
  input?: Json;
}

/** Runs (jobs) with a ready task of the action that may be claimed now, oldest task first. */
export async function readyJobs(db: Queryable, action: string, now: number, limit: number, withInput = false): Promise<ReadyJob[]> {
  if (limit <= 0) return [];
  const rows = await db.query(
    `SELECT run_id${withInput ? ', input' : ''} FROM wf_tasks WHERE state = 'ready' AND action = ? AND not_before <= ? ORDER BY id LIMIT ?`,
    [action, now, limit]);
  return rows.map((r) => ({ jobId: Number(r.run_id), input: withInput ? parsed(r.input) : undefined }));
}

function parsed(text: unknown): Json | undefined {
  try {
    return JSON.parse(String(text)) as Json;
  } catch {
    return undefined;
  }
}

/** How many runs `find_jobs` looks at, newest first. */
export const FIND_SCAN = 10_000;

/** Ids (ascending) of the newest runs whose input contains the filter. */
export async function findJobs(db: Queryable, filter: JsonObject, scan = FIND_SCAN): Promise<number[]> {
  const rows = await db.query('SELECT id, input FROM wf_runs ORDER BY id DESC LIMIT ?', [scan]);
  const out: number[] = [];
  for (const r of rows) {
    let input: Json;
    try {
      input = JSON.parse(String(r.input)) as Json;
    } catch {
      continue;
    }
    if (isObject(input) && contains(input, filter)) out.push(Number(r.id));
  }
  return out.sort((a, b) => a - b);
}

/** Whether a run holds the workflow lock (type, value) now. */
export async function lockHeld(db: Queryable, type: string, value: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 AS held FROM wf_locks WHERE lock_type = ? AND lock_value = ?', [type, value]);
  return rows.length > 0;
}
