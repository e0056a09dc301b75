/**
 * What the CLI and the API do with batches (docs/batches.md): start one (its run and its row in one
 * transaction, for a server to drive), read its record, rerun its failed hosts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { readBatchText } from '../defs/batch.js';
import type { BatchPlan } from '../defs/batch-model.js';
import { formatDiagnostic } from '../defs/diagnostics.js';
import type { Project } from '../defs/model.js';
import { flowFingerprint } from '../defs/version.js';
import type { TaskRow } from '../engine/store.js';
import { OrdoError } from '../errors.js';
import { readAttemptTail } from '../exec/logs.js';
import { getBatch, insertBatch, type BatchRow } from '../store/batches.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { batchFlow } from './flow.js';
import { batchRecord, hostsToRerun, type BatchRecord, type RecordSource } from './record.js';

/** Creates the batch's run (pending: a server drives it) and its row, together. */
export async function startBatch(store: OrdoStore, plan: BatchPlan, by: string, now: number, parentId: number | null = null): Promise<BatchRow> {
  const flow = batchFlow(plan);
  const version = await store.saveFlowVersion(flow, flowFingerprint(flow), now);
  let batch: BatchRow | undefined;
  await store.createRun({ flowVersionId: version.id, flow: flow.name, params: {}, jobs: flow.jobs.map((j) => j.name), at: now },
    async (tx, run) => {
      batch = await insertBatch(tx, { plan, runId: run.id, parentId, at: now, by });
    });
  return batch!;
}

/** A batch file's text read against the project's hosts; its problems, at file:line:column, refuse it. */
export function planFromText(project: Project, file: string, text: string): BatchPlan {
  const { plan, diagnostics } = readBatchText(file, text, project.settings.hosts);
  if (!plan) {
    const errors = diagnostics.list.filter((d) => d.severity === 'error');
    throw new OrdoError('ORDO_INVALID_PROJECT', `batch file ${file} has ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n${errors.map(formatDiagnostic).join('\n')}`);
  }
  return plan;
}

/** `ordo batch run FILE|NAME`: a file when the path exists, else a batch of the project. */
export function resolveBatch(project: Project, arg: string, cwd = process.cwd()): BatchPlan {
  const path = resolve(cwd, arg);
  if (/\.ya?ml$/i.test(arg) || existsSync(path)) {
    if (!existsSync(path)) throw new OrdoError('ORDO_NOT_FOUND', `batch file ${arg} does not exist`);
    const rel = relative(project.dir, path);
    const shown = rel.startsWith('..') || isAbsolute(rel) ? arg : rel.split('\\').join('/');
    return planFromText(project, shown, readFileSync(path, 'utf8'));
  }
  return namedBatch(project, arg);
}

export function namedBatch(project: Project, name: string): BatchPlan {
  const plan = project.batches.get(name);
  if (!plan) {
    const known = [...project.batches.keys()];
    throw new OrdoError('ORDO_NOT_FOUND', `no batch file "${name}" and no batch named "${name}" in the project (batches: ${known.join(', ') || 'none'})`);
  }
  return plan;
}

/** The record source of a store and a state directory (the server's, or this machine's). */
export function storeRecordSource(store: OrdoStore, stateDir: string, runId: number): RecordSource {
  return {
    lastAttempt: async (task: TaskRow) => (await store.getAttempts(task.id)).at(-1),
    tail: async (job, attempt, bytes) => {
      const out = await readAttemptTail(stateDir, String(runId), job, attempt, 'stdout', bytes).catch(() => '');
      return out.trim() !== '' ? out : readAttemptTail(stateDir, String(runId), job, attempt, 'stderr', bytes).catch(() => '');
    },
  };
}

export async function requireBatch(store: OrdoStore, id: number): Promise<BatchRow> {
  const batch = await getBatch(store.sql, id);
  if (!batch) throw new OrdoError('ORDO_NOT_FOUND', `batch ${id} does not exist`);
  return batch;
}

export async function recordOf(store: OrdoStore, stateDir: string, batch: BatchRow): Promise<BatchRecord> {
  const run = await store.getRun(batch.runId);
  if (!run) throw new OrdoError('ORDO_NOT_FOUND', `run ${batch.runId} of batch ${batch.id} does not exist`);
  return batchRecord(batch, run, await store.getTasks(run.id), storeRecordSource(store, stateDir, run.id));
}

/**
 * A new batch over the hosts of `batch` that failed or did not run, in their groups (groups left empty
 * go), with the same commands and threshold; linked to the batch it repeats. Refused while the batch runs.
 */
export async function rerunFailed(store: OrdoStore, stateDir: string, batch: BatchRow, by: string, now: number): Promise<BatchRow> {
  const record = await recordOf(store, stateDir, batch);
  if (record.state === 'running') throw new OrdoError('ORDO_BAD_STATE', `batch ${batch.id} is still running (run ${record.run}): rerun it once it has ended`);
  const again = hostsToRerun(record);
  if (again.size === 0) throw new OrdoError('ORDO_BAD_STATE', `batch ${batch.id} has no failed or not-run hosts: nothing to rerun`);
  const groups = batch.plan.groups.map((g) => g.filter((h) => again.has(h))).filter((g) => g.length > 0);
  const commands = Object.fromEntries(groups.flat().map((h) => [h, batch.plan.commands[h]!]));
  return startBatch(store, { ...batch.plan, groups, commands }, by, now, batch.id);
}
