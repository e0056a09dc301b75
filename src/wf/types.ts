/**
 * The durable workflow runtime: the types shared by its files.
 *
 * Glossary (DESIGN.md, seed 001):
 * - workflow: a program of the workflow language, compiled (src/lang) and stored as a version by its
 *   fingerprint; a run keeps the version it started with.
 * - action: an interface (inputs, outputs, config) implemented by workers; also stored as versions.
 * - run (workflow run): one execution of a workflow; its whole VM state is one JSON document, written
 *   after every step. Ids are shown as `W12`, apart from flow runs (plain numbers).
 * - step: one transition of the VM (src/lang/vm/step.ts), one transaction, one row of the step log.
 * - effect: what a step asks of the world (call an action, start children, sleep, lock, ...); it is
 *   served in the same transaction as the step, and its answer comes back through the run's inbox.
 * - inbox: durable answers waiting for a run (an action's result, a child's end, a lock granted, an
 *   operator's cancel); the next step consumes one in its transaction.
 * - task (action task): one call of an action, handed to a worker; attempts, a fencing cookie per claim.
 * - worker: code that announces actions and claims their tasks (src/worker/).
 */
import type { JsonObject } from '../lang/json.js';
import type { RunError } from '../lang/vm/errors.js';
import type { RunState, RunStatus } from '../lang/vm/state.js';
import { OrdoError } from '../errors.js';

export type VersionKind = 'workflow' | 'action';

export interface WfVersion {
  id: number;
  kind: VersionKind;
  name: string;
  version: number;
  fingerprint: string;
  body: unknown;
  createdAt: number;
}

export interface WfRunRow {
  id: number;
  workflow: string;
  versionId: number;
  parentId: number | null;
  parentStep: number | null;
  parentIndex: number;
  /** How the parent waits for this run: not (detachflow, or no parent), alone (call), or with others (split, map). */
  join: JoinKind;
  rootId: number;
  depth: number;
  status: RunStatus;
  state: RunState;
  input: JsonObject;
  output: JsonObject | null;
  error: RunError | null;
  /** Steps logged so far: the number the next step gets. */
  step: number;
  /** The step whose effect the run waits for (answers name it). */
  waitStep: number | null;
  /** Bumped by every write of the row: a write names the rev it read (fencing). */
  rev: number;
  owner: string | null;
  heartbeatAt: number | null;
  /** When a sleep ends or a lock or event wait times out. */
  wakeAt: number | null;
  /** When the run's own timeout (config: timeout) expires. */
  deadlineAt: number | null;
  origin: string | null;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
}

export type JoinKind = 'none' | 'call' | 'all';
export const JOIN_CODES: Record<JoinKind, number> = { none: 0, call: 1, all: 2 };

export type TaskState = 'ready' | 'claimed' | 'done' | 'failed' | 'cancelled';

export interface WfTaskRow {
  id: number;
  runId: number;
  step: number;
  action: string;
  input: JsonObject;
  state: TaskState;
  attempts: number;
  maxTries: number;
  retryMs: number;
  timeoutMs: number | null;
  retryable: boolean;
  notBefore: number;
  cookie: string | null;
  worker: string | null;
  deadline: number | null;
  output: JsonObject | null;
  error: JsonObject | null;
  createdAt: number;
  claimedAt: number | null;
  endedAt: number | null;
}

export interface WfStepRow {
  runId: number;
  step: number;
  at: number;
  pc: number;
  op: string;
  event: JsonObject | null;
  effect: JsonObject | null;
  status: RunStatus;
}

export interface InboxRow {
  id: number;
  runId: number;
  step: number | null;
  kind: string;
  data: JsonObject;
}

/** How a run ended, as callers of the engine see it. */
export interface RunEnd {
  runId: number;
  status: 'done' | 'error';
  output: JsonObject | null;
  error: RunError | null;
}

export function isEnded(status: RunStatus): status is 'done' | 'error' {
  return status === 'done' || status === 'error';
}

/** `W12`: workflow run ids are shown with a W, so they are never taken for flow run ids. */
export function formatRunId(id: number): string {
  return `W${id}`;
}

export function parseWfRunId(text: string): number {
  const m = /^[Ww]([1-9]\d{0,15})$/.exec(text.trim());
  const id = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(id)) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `"${text}" is not a workflow run id (W and a number, e.g. W12)`);
  }
  return id;
}
