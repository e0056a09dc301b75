/**
 * Creating runs (from outside, or as children inside a parent's step transaction) and telling a waiting
 * parent that a child ended. A new run's state comes from the VM's startRun, which applies the defaults
 * of `in:` and validates the input (and max_depth) before anything is stored.
 */
import { isObject, type JsonObject } from '../lang/json.js';
import type { CompiledWorkflow, Params } from '../lang/program.js';
import type { RunError } from '../lang/vm/errors.js';
import { startRun } from '../lang/vm/state.js';
import type { Queryable } from '../store/port.js';
import { answer, post } from './inbox.js';
import type { LiveRun } from './live.js';
import { insertEvent } from './rows.js';
import { formatRunId, JOIN_CODES, type JoinKind } from './types.js';

export interface ParentLink {
  id: number;
  rootId: number;
  /** The parent's step whose effect started this child. */
  step: number;
  /** Position among the children of that step (split, map); 0 for a single child. */
  index: number;
  join: JoinKind;
}

export interface NewRun {
  versionId: number;
  program: CompiledWorkflow;
  input: JsonObject;
  env?: JsonObject;
  depth: number;
  parent?: ParentLink;
  owner: string | null;
  /** A unique key of whoever started it (a flow task's attempt), so a retried start finds the same run. */
  origin?: string;
  at: number;
  /** Inputs that `in:` does not declare: refused (default), or left out of `a` (the stored input keeps them). */
  undeclaredInputs?: 'refuse' | 'ignore';
}

/** The input without the keys that the parameters do not declare. */
function declaredOnly(params: Params, input: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(input)) if (Object.hasOwn(params, k)) out[k] = v;
  return out;
}

export async function insertRun(tx: Queryable, spec: NewRun): Promise<LiveRun | { error: RunError }> {
  const { program, parent, at } = spec;
  const input = spec.undeclaredInputs === 'ignore' && isObject(spec.input) ? declaredOnly(program.in, spec.input) : spec.input;
  const started = startRun(program, input, { ...(spec.env ?? {}), job_id: null }, { depth: spec.depth });
  if ('error' in started) return started;
  const timeout = program.config.timeout;
  const deadlineAt = timeout === null ? null : at + Math.round(timeout * 1000);
  const [row] = await tx.query(
    'INSERT INTO wf_runs (workflow, version_id, parent_id, parent_step, parent_index, waited, root_id, depth, status, state, input, ' +
    "owner, heartbeat_at, deadline_at, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', '{}', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    [program.name, spec.versionId, parent?.id ?? null, parent?.step ?? null, parent?.index ?? 0, JOIN_CODES[parent?.join ?? 'none'],
      parent?.rootId ?? null, spec.depth, JSON.stringify(spec.input), spec.owner, spec.owner === null ? null : at, deadlineAt, spec.origin ?? null, at, at]);
  const id = Number(row!.id);
  const state = { ...started.state, e: { ...started.state.e, job_id: formatRunId(id) } };
  const rootId = parent?.rootId ?? id;
  await tx.run('UPDATE wf_runs SET state = ?, root_id = ? WHERE id = ?', [JSON.stringify(state), rootId, id]);
  await insertEvent(tx, {
    at, runId: id, kind: 'wf_run_created',
    data: { workflow: program.name, versionId: spec.versionId, parent: parent ? formatRunId(parent.id) : null, depth: spec.depth },
  });
  return {
    id, versionId: spec.versionId, program, state, rev: 0, step: 0, waitStep: null, wakeAt: null, deadlineAt,
    parentId: parent?.id ?? null, parentStep: parent?.step ?? null, parentIndex: parent?.index ?? 0, join: parent?.join ?? 'none', rootId,
    checkInbox: false,
  };
}

export interface EndedChild {
  id: number;
  parentId: number | null;
  parentStep: number | null;
  parentIndex: number;
  join: JoinKind;
  result: { output: JsonObject } | { error: RunError };
}

/** Posts a child's end to the parent that waits for it; returns the parent's id when it was told. */
export async function notifyParent(tx: Queryable, child: EndedChild, at: number): Promise<number | null> {
  if (child.join === 'none' || child.parentId === null || child.parentStep === null) return null;
  const [parent] = await tx.query('SELECT status, wait_step FROM wf_runs WHERE id = ?', [child.parentId]);
  if (!parent || (parent.status !== 'waiting' && parent.status !== 'running')) return null;
  const r = child.result;
  if (child.join === 'call') {
    await answer(tx, child.parentId, child.parentStep,
      'output' in r ? { kind: 'child_done', output: r.output } : { kind: 'child_failed', error: r.error }, at);
  } else {
    await post(tx, child.parentId, child.parentStep, 'child_result', { index: child.parentIndex, ...r }, at);
  }
  return child.parentId;
}

/** Children a run still waits for: cancelled with it when it ends first (an interrupt, a timeout). */
export async function activeChildren(tx: Queryable, runId: number): Promise<number[]> {
  const rows = await tx.query("SELECT id FROM wf_runs WHERE parent_id = ? AND waited > 0 AND status IN ('running', 'waiting')", [runId]);
  return rows.map((r) => Number(r.id));
}
