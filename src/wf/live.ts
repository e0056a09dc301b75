/**
 * A run as the engine that owns it keeps it in memory between steps: the stored row's fields it needs and
 * the program. The store stays the source of truth: every write names `rev`, and a run whose write is
 * refused is read again.
 */
import type { JsonObject } from '../lang/json.js';
import type { CompiledWorkflow } from '../lang/program.js';
import type { RunState } from '../lang/vm/state.js';
import type { JoinKind, WfRunRow } from './types.js';

export interface LiveRun {
  id: number;
  versionId: number;
  program: CompiledWorkflow;
  state: RunState;
  rev: number;
  step: number;
  waitStep: number | null;
  wakeAt: number | null;
  deadlineAt: number | null;
  parentId: number | null;
  parentStep: number | null;
  parentIndex: number;
  join: JoinKind;
  rootId: number;
  /** Look in the inbox even though the run is not waiting (an interrupt may be there). */
  checkInbox: boolean;
  /** A result an in-process worker handed to this engine for the task the run waits for (see driver.ts). */
  direct?: DirectResult | null;
}

export interface DirectResult {
  cookie: string;
  outargs: JsonObject;
  settle(accepted: boolean, outcome?: 'done' | 'failed' | 'retry'): void;
}

export function liveOf(row: WfRunRow, program: CompiledWorkflow): LiveRun {
  return {
    id: row.id, versionId: row.versionId, program, state: row.state, rev: row.rev, step: row.step, waitStep: row.waitStep,
    wakeAt: row.wakeAt, deadlineAt: row.deadlineAt, parentId: row.parentId, parentStep: row.parentStep, parentIndex: row.parentIndex,
    join: row.join, rootId: row.rootId, checkInbox: true,
  };
}
