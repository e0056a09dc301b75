/**
 * Creating runs (from outside, or as children inside a parent's step transaction) and telling a waiting
 * parent that a child ended. A new run's state comes from the VM's startRun, which applies the defaults
 * of `in:` and validates the input (and max_depth) before anything is stored.
 */
import { randomBytes } from 'node:crypto';
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

/** The new run's first state and its columns, or why its input is refused. */
function prepare(spec: NewRun) {
  const { program, parent, at } = spec;
  const input = spec.undeclaredInputs === 'ignore' && isObject(spec.input) ? declaredOnly(program.in, spec.input) : spec.input;
  const started = startRun(program, input, { ...(spec.env ?? {}), job_id: null }, { depth: spec.depth });
  if ('error' in started) return started;
  const timeout = program.config.timeout;
  const deadlineAt = timeout === null ? null : at + Math.round(timeout * 1000);
  const event: JsonObject = { workflow: program.name, versionId: spec.versionId, parent: parent ? formatRunId(parent.id) : null, depth: spec.depth };
  const live = (id: number): LiveRun => ({
    id, versionId: spec.versionId, program, state: { ...started.state, e: { ...started.state.e, job_id: formatRunId(id) } }, rev: 0, step: 0,
    waitStep: null, wakeAt: null, deadlineAt, parentId: parent?.id ?? null, parentStep: parent?.step ?? null, parentIndex: parent?.index ?? 0,
    join: parent?.join ?? 'none', rootId: parent?.rootId ?? id, checkInbox: false,
  });
  return { started, deadlineAt, event, live };
}

export async function insertRun(tx: Queryable, spec: NewRun): Promise<LiveRun | { error: RunError }> {
  const { program, parent, at } = spec;
  const prepared = prepare(spec);
  if ('error' in prepared) return prepared;
  const [row] = await tx.query(
    'INSERT INTO wf_runs (workflow, version_id, parent_id, parent_step, parent_index, waited, root_id, depth, status, state, input, ' +
    "owner, heartbeat_at, deadline_at, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', '{}', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    [program.name, spec.versionId, parent?.id ?? null, parent?.step ?? null, parent?.index ?? 0, JOIN_CODES[parent?.join ?? 'none'],
      parent?.rootId ?? null, spec.depth, JSON.stringify(spec.input), spec.owner, spec.owner === null ? null : at, prepared.deadlineAt, spec.origin ?? null, at, at]);
  const run = prepared.live(Number(row!.id));
  await tx.run('UPDATE wf_runs SET state = ?, root_id = ? WHERE id = ?', [JSON.stringify(run.state), run.rootId, run.id]);
  await insertEvent(tx, { at, runId: run.id, kind: 'wf_run_created', data: prepared.event });
  return run;
}

/**
 * As insertRun, in one statement where the backend can (can-fuse.ts): the id drawn from the sequence first, so
 * that the state (which holds it as `job_id`) and the root are written with the row, and the event beside it.
 */
export async function insertRunFused(db: Queryable, spec: NewRun): Promise<LiveRun | { error: RunError }> {
  const { program, parent, at } = spec;
  const prepared = prepare(spec);
  if ('error' in prepared) return prepared;
  // The state's text around its job_id, which the database fills in: a marker nobody's input can hold.
  const marker = `\u0000${randomBytes(8).toString('hex')}`;
  const text = JSON.stringify({ ...prepared.started.state, e: { ...prepared.started.state.e, job_id: marker } });
  const cut = text.indexOf(JSON.stringify(marker));
  const [before, after] = [`${text.slice(0, cut)}"W`, `"${text.slice(cut + JSON.stringify(marker).length)}`];
  const [row] = await db.query(
    "WITH n AS (SELECT nextval(pg_get_serial_sequence('wf_runs', 'id')) AS id), " +
    'r AS (INSERT INTO wf_runs (id, workflow, version_id, parent_id, parent_step, parent_index, waited, root_id, depth, status, state, input, ' +
    'owner, heartbeat_at, deadline_at, origin, created_at, updated_at) SELECT n.id, CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), ' +
    'CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS INTEGER), COALESCE(CAST(? AS BIGINT), n.id), CAST(? AS INTEGER), \'running\', ' +
    'CAST(? AS TEXT) || CAST(n.id AS TEXT) || CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), ' +
    'CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT) FROM n RETURNING id), ' +
    "e AS (INSERT INTO events (at, run_id, kind, data, wf_run_id) SELECT CAST(? AS BIGINT), NULL, 'wf_run_created', CAST(? AS TEXT), r.id FROM r) " +
    'SELECT id FROM r',
    [program.name, spec.versionId, parent?.id ?? null, parent?.step ?? null, parent?.index ?? 0, JOIN_CODES[parent?.join ?? 'none'],
      parent?.rootId ?? null, spec.depth, before, after, JSON.stringify(spec.input), spec.owner, spec.owner === null ? null : at, prepared.deadlineAt,
      spec.origin ?? null, at, at, at, JSON.stringify(prepared.event)]);
  return prepared.live(Number(row!.id));
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
