/**
 * What an operator does to a workflow run, each one transaction with its event (JobCenter's "meddle
 * with a job", done safely): read its variables, change one while it waits, and retry a failed run from
 * the step that failed. Cancelling is an interrupt in the run's inbox (WorkflowEngine.cancel). A change
 * bumps the run's rev, so an engine driving the run finds its next write refused and reads the run again.
 */
import { withKey, type Json, type JsonObject } from '../lang/json.js';
import type { RunState } from '../lang/vm/state.js';
import { OrdoError } from '../errors.js';
import { insertEvent } from './rows.js';
import type { WfStore } from './store.js';
import { formatRunId, isEnded, type WfRunRow } from './types.js';

export interface OperatorContext {
  store: WfStore;
  now: number;
  actor: string;
}

export function varsOf(run: WfRunRow): { a: JsonObject; v: JsonObject; e: JsonObject } {
  return { a: run.state.a, v: run.state.v, e: run.state.e };
}

/** Parses `k=v`: the value as JSON when it is JSON (`42`, `true`, `"x"`, `[1]`), else as a string. */
export function parseAssignment(text: string): { name: string; value: Json } {
  const eq = text.indexOf('=');
  const name = eq > 0 ? text.slice(0, eq).trim() : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new OrdoError('ORDO_BAD_ARGUMENT', `expected NAME=VALUE with a variable name, got "${text}"`);
  const raw = text.slice(eq + 1);
  try {
    return { name, value: JSON.parse(raw) as Json };
  } catch {
    return { name, value: raw };
  }
}

async function writeState(ctx: OperatorContext, run: WfRunRow, state: RunState, sets: string, params: Array<string | number | null>,
  kind: string, data: JsonObject): Promise<void> {
  const changed = await ctx.store.db.transaction(async (tx) => {
    const n = await tx.run(`UPDATE wf_runs SET state = ?, rev = rev + 1, updated_at = ?${sets} WHERE id = ? AND rev = ?`,
      [JSON.stringify(state), ctx.now, ...params, run.id, run.rev]);
    if (n > 0) await insertEvent(tx, { at: ctx.now, runId: run.id, kind, data: { ...data, by: ctx.actor } });
    return n > 0;
  });
  if (!changed) throw new OrdoError('ORDO_CONFLICT', `${formatRunId(run.id)} changed meanwhile; look again and retry`);
}

/** Sets `v.NAME` of a run that waits (or has failed, before a retry). */
export async function setVar(ctx: OperatorContext, runId: number, name: string, value: Json): Promise<void> {
  const run = await ctx.store.mustGetRun(runId);
  if (run.status !== 'waiting' && run.status !== 'error') {
    throw new OrdoError('ORDO_BAD_STATE', `${formatRunId(runId)} is ${run.status}: variables can be changed while it waits (or after it failed)`);
  }
  const old = Object.hasOwn(run.state.v, name) ? run.state.v[name] : null;
  const state: RunState = { ...run.state, v: withKey(run.state.v, name, value) };
  await writeState(ctx, run, state, '', [], 'wf_var_set', { name, old: old ?? null, value });
}

/**
 * Makes a failed run runnable again at the step that failed (its `pc`): the step is taken afresh (an
 * action is called again, a child started again). Locks and subscriptions the run held were released
 * when it failed and are not taken back. A child whose parent waited for it is not retried on its own:
 * retry the run at the top, which calls it again.
 */
export async function retryRun(ctx: OperatorContext, runId: number): Promise<WfRunRow> {
  const run = await ctx.store.mustGetRun(runId);
  if (run.status !== 'error') throw new OrdoError('ORDO_BAD_STATE', `${formatRunId(runId)} is ${run.status}; only a failed run can be retried`);
  if (run.join !== 'none' && run.parentId !== null) {
    throw new OrdoError('ORDO_BAD_STATE', `${formatRunId(runId)} was called by ${formatRunId(run.parentId)}, which has seen it fail; retry ${formatRunId(run.rootId)}`);
  }
  const state: RunState = { ...run.state, status: 'running', pending: null, error: null, output: null, t: {} };
  const timeout = (await ctx.store.getVersion(run.versionId)).body as { config?: { timeout?: number | null } };
  const seconds = timeout.config?.timeout ?? null;
  const deadline = seconds === null ? null : ctx.now + Math.round(seconds * 1000);
  await writeState(ctx, run, state,
    ", status = 'running', error = NULL, output = NULL, ended_at = NULL, wait_step = NULL, wake_at = NULL, owner = NULL, deadline_at = ?",
    [deadline], 'wf_retry', { pc: run.state.pc, error: run.error ?? null });
  return ctx.store.mustGetRun(runId);
}

export function assertNotEnded(run: WfRunRow): void {
  if (isEnded(run.status)) throw new OrdoError('ORDO_BAD_STATE', `${formatRunId(run.id)} has already ended (${run.status})`);
}
