/**
 * JobCenter's client calls on workflow runs ("jobs"): `create_job` (and the `job_done` notification to
 * the creating connection), `get_job_status` and `find_jobs`. A job's outargs are the run's output, or
 * `{"error": {msg, class, ...}}` when it failed.
 */
import type { Logger } from 'pino';
import type { Principal } from '../../auth/principal.js';
import { OrdoError } from '../../errors.js';
import { isObject, type JsonObject } from '../../lang/json.js';
import type { WorkflowEngine } from '../../wf/driver.js';
import { isEnded, type RunEnd, type WfRunRow } from '../../wf/types.js';
import type { Session } from '../context.js';
import { findJobs } from '../../wf/lookup.js';
import { mayUse, refusal } from './roles.js';

export interface CreateJob {
  wfname: string;
  inargs?: JsonObject;
  vtag?: string | null;
  timeout?: number | null;
  clenv?: JsonObject | null;
}

type Outcome = Pick<RunEnd, 'status' | 'output' | 'error'>;

export function outargsOf(end: Outcome): JsonObject {
  return end.status === 'done' ? (end.output ?? {}) : { error: end.error ?? { msg: 'unknown error', class: 'normal' } };
}

function endedOf(row: WfRunRow): Outcome | null {
  return isEnded(row.status) ? { status: row.status, output: row.output, error: row.error } : null;
}

/** `12`, `"12"` or `"W12"` as a run id. */
export function jobIdOf(ref: number | string): number {
  return typeof ref === 'number' ? ref : Number(ref.replace(/^[Ww]/, ''));
}

/** How often the end of a run driven by another engine is looked for. */
const POLL_MS = 500;

export class JobDesk {
  private closed = false;

  constructor(private readonly engine: WorkflowEngine, private readonly logger: Logger) {}

  /**
   * `[job_id, null]`, or `[null, error]` for an unknown workflow, bad inargs or a role that may not start it.
   * Inargs its `in:` does not declare are ignored, as JobCenter ignores them (find_jobs still sees them).
   * `job_done` is watched for only once the answer went out (`afterReply`), so it never overtakes it.
   */
  async create(p: CreateJob, principal: Principal, session: Session | undefined, afterReply: (fn: () => void) => void): Promise<[number | null, string | null]> {
    let roles: string[];
    try {
      roles = (await this.engine.catalog.workflow(p.wfname)).program.roles;
    } catch (err) {
      if (err instanceof OrdoError) return [null, err.message];
      throw err;
    }
    if (!mayUse(roles, principal)) return [null, refusal(`start ${p.wfname}`, roles, principal)];
    const env: JsonObject = { started_by: principal.name };
    if (isObject(p.clenv)) env.clenv = p.clenv;
    let runId: number;
    try {
      runId = await this.engine.start(p.wfname, p.inargs ?? {}, { env, undeclaredInputs: 'ignore' });
    } catch (err) {
      if (err instanceof OrdoError && err.code !== 'ORDO_STORE') return [null, err.message];
      throw err;
    }
    this.logger.info({ job: runId, workflow: p.wfname, by: principal.name }, 'jcapi: job created');
    if (session) afterReply(() => this.watch(runId, session, (p.timeout ?? 0) * 1000));
    return [runId, null];
  }

  /**
   * `[job_id, outargs]` once the job ended, `[null, null]` before, `[null, {"error": "no job N"}]` for a job
   * that does not exist (JobCenter's answers); `notify`: send `job_done` too.
   */
  async status(jobId: number, notify: boolean, session: Session | undefined): Promise<[number | null, JsonObject | null]> {
    const row = await this.engine.store.getRun(jobId);
    if (!row) return [null, { error: `no job ${jobId}` }];
    const end = endedOf(row);
    if (end) {
      if (notify && session) this.send(session, jobId, outargsOf(end));
      return [jobId, outargsOf(end)];
    }
    if (notify && session) this.watch(jobId, session, 0);
    return [null, null];
  }

  async find(filter: JsonObject | string): Promise<number[]> {
    let f: unknown = filter;
    if (typeof filter === 'string') {
      try {
        f = JSON.parse(filter);
      } catch {
        throw new OrdoError('ORDO_INVALID_PARAMS', 'find_jobs: filter is not valid JSON');
      }
    }
    if (!isObject(f)) throw new OrdoError('ORDO_INVALID_PARAMS', 'find_jobs: filter must be a JSON object');
    if (Object.keys(f).length === 0) throw new OrdoError('ORDO_INVALID_PARAMS', 'find_jobs: an empty filter is not allowed');
    return findJobs(this.engine.store.db, f);
  }

  /** Sends `job_done` when the run ends; with a timeout, an error of class timeout then (the job goes on). */
  private watch(runId: number, session: Session, timeoutMs: number): void {
    let settled = false;
    const timer = timeoutMs > 0 ? setTimeout(() => {
      settled = true;
      this.send(session, runId, { error: { msg: `no result for job ${runId} within ${timeoutMs / 1000} s (the job goes on)`, class: 'timeout' } });
    }, timeoutMs) : null;
    timer?.unref();
    this.endOf(runId).then((end) => {
      if (settled || !end) return;
      settled = true;
      if (timer) clearTimeout(timer);
      this.send(session, runId, outargsOf(end));
    }, (err: unknown) => this.logger.warn({ err, job: runId }, 'jcapi: waiting for a job failed'));
  }

  /** After the current turn, so that the answer to the call that started the watch goes first. */
  private send(session: Session, jobId: number, outargs: JsonObject): void {
    setImmediate(() => {
      if (!this.closed) session.notify('job_done', { job_id: jobId, outargs });
    });
  }

  /** The run's end: from the engine when it drives the run, else by looking at the store now and then. */
  private async endOf(runId: number): Promise<Outcome | null> {
    try {
      return await this.engine.result(runId);
    } catch (err) {
      if (!(err instanceof OrdoError) || err.code !== 'ORDO_BAD_STATE') throw err;
    }
    while (!this.closed) {
      const end = endedOf(await this.engine.store.mustGetRun(runId));
      if (end) return end;
      await new Promise((r) => setTimeout(r, POLL_MS).unref());
    }
    return null;
  }

  close(): void {
    this.closed = true;
  }
}
