/**
 * The client SDK: start workflows on an Ordo server and get their results, over its WebSocket.
 *
 *   const client = await OrdoClient.connect({ url: 'http://ordo:6580', token });
 *   const { output } = await client.call('calltest', { input: 123 });   // { output: 126 }
 *   const job = await client.start('calltest', { input: 1 });           // a job id (the run W<job>)
 *   await client.status(job);                                           // { done: false } or { done: true, ... }
 *   client.subscribe(job, (end) => ...);                                // once it ends
 *   await client.raiseEvent({ name: 'paid', order: 42 });
 *
 * It uses the JobCenter client calls (create_job, job_done, get_job_status) plus Ordo's raise_event;
 * `request` reaches any other method of the API. After a reconnect it asks again for the jobs it waits
 * for, so a result that ended while it was away is not lost.
 */
import { OrdoError } from '../errors.js';
import { isObject, type JsonObject } from '../lang/json.js';
import type { RunError } from '../lang/vm/errors.js';
import { Link, type LinkOptions } from './link.js';

export type JobEnd = { ok: true; output: JsonObject } | { ok: false; error: RunError };

/** A job that failed: its error as the workflow gave it. */
export class JobFailed extends Error {
  constructor(readonly jobId: number, readonly error: RunError) {
    super(`job ${jobId} failed: ${error.msg} (${error.class})`);
    this.name = 'JobFailed';
  }
}

export function endOf(outargs: JsonObject): JobEnd {
  if (!Object.hasOwn(outargs, 'error')) return { ok: true, output: outargs };
  const e = outargs.error;
  return { ok: false, error: (isObject(e) ? { msg: String(e.msg ?? 'unknown error'), class: 'normal', ...e } : { msg: String(e), class: 'normal' }) as RunError };
}

/** How long a job_done for a job nobody waits for (yet) is kept. */
const EARLY_MS = 60_000;

export class OrdoClient {
  private readonly waiting = new Map<number, Set<(end: JobEnd) => void>>();
  private readonly early = new Map<number, { end: JobEnd; timer: NodeJS.Timeout }>();

  private constructor(private readonly link: Link) {
    link.on('job_done', (p) => this.onDone(Number(p.job_id), isObject(p.outargs) ? p.outargs : {}));
    link.answer('ping', () => 'pong');
    link.onConnect(async () => {
      for (const job of this.waiting.keys()) await this.watch(job);
    });
  }

  /** Connects; rejects when the token is refused or no connection is made within `connectWithinMs` (default 10 s). */
  static async connect(opts: LinkOptions & { connectWithinMs?: number }): Promise<OrdoClient> {
    const link = new Link(opts);
    await link.open(opts.connectWithinMs ?? 10_000);
    return new OrdoClient(link);
  }

  /** Starts a run of the workflow: its job id. */
  async start(workflow: string, inputs: JsonObject = {}): Promise<number> {
    const [job, error] = await this.link.request<[number | null, unknown]>('create_job', { wfname: workflow, inargs: inputs });
    if (job === null) throw new OrdoError('ORDO_BAD_STATE', `create_job ${workflow}: ${typeof error === 'string' ? error : JSON.stringify(error)}`);
    return job;
  }

  /** Runs the workflow and resolves with its outputs (rejects with JobFailed when it fails). */
  async call(workflow: string, inputs: JsonObject = {}, opts: { timeoutMs?: number } = {}): Promise<JsonObject> {
    const job = await this.start(workflow, inputs);
    // create_job already asked the server for job_done on this connection.
    const end = await this.wait(job, opts.timeoutMs, false);
    if (!end.ok) throw new JobFailed(job, end.error);
    return end.output;
  }

  /** Whether the job ended, and how. */
  async status(job: number): Promise<{ done: false } | ({ done: true } & JobEnd)> {
    const [id, outargs] = await this.link.request<[number | null, JsonObject | null]>('get_job_status', { job_id: job });
    return id === null || outargs === null ? { done: false } : { done: true, ...endOf(outargs) };
  }

  /** Calls the listener once the job ends (at once when it has); returns a function that stops listening. */
  subscribe(job: number, listener: (end: JobEnd) => void, watch = true): () => void {
    const set = this.waiting.get(job) ?? new Set();
    const first = set.size === 0;
    set.add(listener);
    this.waiting.set(job, set);
    const early = this.early.get(job);
    if (early) {
      clearTimeout(early.timer);
      this.early.delete(job);
      queueMicrotask(() => this.onDone(job, null, early.end));
    } else if (first && watch) {
      void this.watch(job).catch(() => {});
    }
    return () => {
      set.delete(listener);
      if (set.size === 0) this.waiting.delete(job);
    };
  }

  /** Resolves when the job ends. */
  wait(job: number, timeoutMs?: number, watch = true): Promise<JobEnd> {
    return new Promise((resolve, reject) => {
      const timer = timeoutMs === undefined ? null : setTimeout(() => {
        stop();
        reject(new OrdoError('ORDO_UNAVAILABLE', `job ${job} did not end within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.subscribe(job, (end) => {
        if (timer) clearTimeout(timer);
        stop();
        resolve(end);
      }, watch);
    });
  }

  /** Raises a workflow event: queued for every run subscribed with a matching mask; how many it reached. */
  async raiseEvent(event: JsonObject): Promise<number> {
    return (await this.link.request<{ queued: number }>('raise_event', { event })).queued;
  }

  /** Any method of the API (e.g. `runs.list`). */
  request<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.link.request<T>(method, params);
  }

  async close(): Promise<void> {
    for (const e of this.early.values()) clearTimeout(e.timer);
    this.early.clear();
    await this.link.close();
  }

  /** Asks the server to send job_done for the job (at once when it has ended). */
  private async watch(job: number): Promise<void> {
    await this.link.request('get_job_status', { job_id: job, notify: true });
  }

  private onDone(job: number, outargs: JsonObject | null, known?: JobEnd): void {
    const end = known ?? endOf(outargs ?? {});
    const set = this.waiting.get(job);
    if (!set || set.size === 0) {
      // It may arrive before create_job's answer is read: keep it a while for the caller.
      const timer = setTimeout(() => this.early.delete(job), EARLY_MS);
      timer.unref();
      this.early.set(job, { end, timer });
      return;
    }
    this.waiting.delete(job);
    for (const l of set) l(end);
  }
}
