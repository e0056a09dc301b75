/**
 * A test peer that behaves as JobCenter's own Perl client library, JobCenter::Client::Mojo (0.4x), does
 * on the wire, over the JSON-RPC layer of perl-rpc.ts. Written from what that library sends and expects
 * (no code of it): the `greetings` / `hello` handshake; `announce` with `workername` (default
 * "WHO HOST PROGRAM PID"), `slotgroup` and `slots` always present (null when not given, a string when read
 * from a command line); `task_ready` -> `get_task` -> the callback -> `task_done` (a callback that dies
 * reports `{"error": "its message"}`); a `task_ready` for an action whose announce was not yet answered is
 * dropped ("unknown action"); `create_job` with `vtag` null, `timeout` (default 5 x 60 s) and `clenv`;
 * `job_done`; `get_job_status` with `notify` false; `find_jobs` with the filter as JSON text; `ping` answered
 * "pong!"; and in `work()` a watchdog that gives up when the server has not pinged for `pingTimeoutMs`
 * (300 s there). With json => 1 (its default) inargs and outargs are JSON texts.
 *
 * Every wait has a bound, so a test fails instead of hanging; the library itself would wait for ever.
 */
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { TwoWay, type Msg, type Outcome } from './perl-rpc.js';

export const WORK_OK = 0;
export const WORK_CONNECTION_CLOSED = 91;
export const WORK_PING_TIMEOUT = 92;

export interface PerlClientOptions {
  who: string;
  token: string;
  method?: string;
  /** Its `timeout` in seconds (60): `create_job` waits 5 times that for the job. */
  timeout?: number;
  /** Its `ping_timeout` (300 s), in ms: `work()` ends when the server did not ping for this long. */
  pingTimeoutMs?: number;
  /** Seeds the hash order of this "process". */
  seed?: string;
}

export interface Announce {
  actionname: string;
  /**
   * (job_id, inargs) => outargs; throwing is Perl's die. In mode 'async' it returns nothing and calls
   * `done` with the outargs when it likes.
   */
  cb: (jobId: number, inargs: Msg, done: (outargs: Msg) => void) => Msg | undefined;
  /** 'sync' (the default) blocks the whole client for `busyMs` while the callback runs. */
  mode?: 'sync' | 'async';
  busyMs?: number;
  workername?: string;
  slots?: number | string;
  slotgroup?: string;
  filter?: Msg;
}

const BOUND_MS = 15_000;

function bounded<T>(what: string, executor: (resolve: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Perl client got no answer for ${what}`)), BOUND_MS);
    executor((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

export class PerlClient {
  /** undefined while the handshake runs, then 1 (welcome), 0 (refused) or '' (it went wrong). */
  auth: 1 | 0 | '' | undefined;
  lastping = 0;
  readonly rpc: TwoWay;
  private readonly actions = new Map<string, Announce>();
  private readonly jobs = new Map<number, (outargs: string) => void>();
  private authed!: (v: 1 | 0 | '') => void;
  readonly handshake: Promise<1 | 0 | ''>;

  private constructor(socket: import('node:net').Socket, readonly opts: PerlClientOptions) {
    this.handshake = new Promise((resolve) => (this.authed = resolve));
    this.rpc = new TwoWay(socket, {
      greetings: { notification: true, handle: (p) => this.greetings(p) },
      job_done: { notification: true, handle: (p) => this.jobDone(p) },
      ping: { notification: false, handle: () => this.pinged() },
      task_ready: { notification: true, handle: (p) => this.taskReady(p) },
    }, opts.seed ?? opts.who);
    void this.rpc.closed.then(() => this.done(''));
  }

  /** `JobCenter::Client::Mojo->new(...)`: connects and waits for the handshake. */
  static async connect(port: number, opts: PerlClientOptions): Promise<PerlClient> {
    const socket = await new Promise<import('node:net').Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    const client = new PerlClient(socket, opts);
    await bounded('the handshake', (resolve) => void client.handshake.then(resolve));
    return client;
  }

  get workername(): string {
    return `${this.opts.who} ${hostname()} /usr/bin/jcworker 4242`;
  }

  /** `$client->announce(...)`: undefined, or the error. */
  announce(a: Announce): Promise<string | undefined> {
    if (this.actions.has(a.actionname)) throw new Error(`already have action ${a.actionname}`);
    return bounded(`announce ${a.actionname}`, (resolve) => {
      this.rpc.call('announce', {
        workername: a.workername ?? this.workername, actionname: a.actionname,
        slotgroup: a.slotgroup ?? null, slots: a.slots ?? null, ...(a.filter ? { filter: a.filter } : {}),
      }, (o) => {
        if ('error' in o) return resolve(String(o.error.message));
        const [res, msg] = o.result as [boolean, string];
        if (res) this.actions.set(a.actionname, a);
        resolve(res ? undefined : msg);
      });
    });
  }

  /** `$client->call(wfname => ..., inargs => '{...}')`: [job_id, outargs as JSON] or [undef, error as JSON]. */
  call(args: { wfname: string; inargs?: string; vtag?: string; timeout?: number; clenv?: string; reqauth?: string }): Promise<[number | undefined, string]> {
    const inargs = JSON.parse(args.inargs ?? '{}') as Msg;
    return bounded(`call ${args.wfname}`, (resolve) => {
      this.rpc.call('create_job', {
        wfname: args.wfname, vtag: args.vtag ?? null, inargs, timeout: args.timeout ?? (this.opts.timeout ?? 60) * 5,
        ...(args.clenv ? { clenv: JSON.parse(args.clenv) as Msg } : {}), ...(args.reqauth ? { reqauth: JSON.parse(args.reqauth) as Msg } : {}),
      }, (o) => {
        let jobId: number | undefined;
        let msg: unknown;
        if ('error' in o) msg = `${String(o.error.message)} (${String(o.error.code)}`;
        else [jobId, msg] = o.result as [number | null, unknown] as [number | undefined, unknown];
        if (msg) return resolve([undefined, JSON.stringify(typeof msg === 'object' ? msg : { error: msg })]);
        if (jobId) this.jobs.set(jobId, (outargs) => resolve([jobId, outargs]));
      });
    });
  }

  /** `$client->get_job_status($job_id)`: [job_id, outargs as JSON], [undef, undef] or [undef, error]. */
  getJobStatus(jobId: number | string): Promise<[number | undefined, string | undefined]> {
    return bounded('get_job_status', (resolve) => {
      this.rpc.call('get_job_status', { job_id: jobId, notify: false }, (o) => {
        if ('error' in o) return resolve([undefined, String(o.error.message)]);
        const [id, outargs] = o.result as [number | null, Msg | null];
        resolve([id ?? undefined, outargs ? JSON.stringify(outargs) : undefined]);
      });
    });
  }

  /** `$client->find_jobs($filter)`: [$err, @jobs]. */
  findJobs(filter: Msg): Promise<[string | undefined, ...number[]]> {
    return bounded('find_jobs', (resolve) => {
      this.rpc.call('find_jobs', { filter: JSON.stringify(filter) }, (o) => {
        if ('error' in o) return resolve([String(o.error.message)]);
        resolve([undefined, ...(o.result as number[])]);
      });
    });
  }

  /** `$client->get_api_status($what)`: the result, or the error's message. */
  getApiStatus(what: string): Promise<unknown> {
    return this.simple('get_api_status', { what });
  }

  /** `$client->create_slotgroup($name, $slots)`: the result, or the error's message. */
  createSlotgroup(name: string, slots: number): Promise<unknown> {
    return this.simple('create_slotgroup', { name, slots });
  }

  /** `$client->ping`: true when the answer matches /pong/ (else the client is unusable). */
  ping(): Promise<boolean> {
    return this.simple('ping', {}).then((r) => typeof r === 'string' && /pong/.test(r));
  }

  /** A method of the JobCenter API that the library has no wrapper for, called through its connection. */
  raw(method: string, params: Msg): Promise<Outcome> {
    return bounded(method, (resolve) => this.rpc.call(method, params, resolve));
  }

  /** `$client->work()`: handles tasks until the connection closes (91) or the server stops pinging (92). */
  work(): Promise<number> {
    const pt = this.opts.pingTimeoutMs ?? 300_000;
    return new Promise((resolve) => {
      const watchdog = setInterval(() => {
        if (this.lastping > Date.now() - pt) return;
        clearInterval(watchdog);
        this.rpc.log.push('ping timeout');
        this.rpc.close();
        resolve(WORK_PING_TIMEOUT);
      }, pt);
      void this.rpc.closed.then(() => {
        clearInterval(watchdog);
        resolve(WORK_CONNECTION_CLOSED);
      });
    });
  }

  close(): Promise<void> {
    this.rpc.close();
    return this.rpc.closed;
  }

  private simple(method: string, params: Msg): Promise<unknown> {
    return bounded(method, (resolve) => this.rpc.call(method, params, (o) => resolve('error' in o ? o.error.message : o.result)));
  }

  private done(v: 1 | 0 | ''): void {
    if (this.auth !== undefined) return;
    this.auth = v;
    this.authed(v);
  }

  private greetings(p: Msg): void {
    if (p.version !== '1.1') {
      this.rpc.log.push(`something went wrong in handshake: wrong api version ${String(p.version)} (expected 1.1)`);
      return this.done('');
    }
    this.rpc.call('hello', { who: this.opts.who, method: this.opts.method ?? 'password', token: this.opts.token }, (o) => {
      if ('error' in o) return this.done('');
      const [ok] = o.result as [boolean, string];
      this.done(ok ? 1 : 0);
    });
  }

  private jobDone(p: Msg): void {
    const cb = this.jobs.get(Number(p.job_id));
    this.jobs.delete(Number(p.job_id));
    if (cb) cb(JSON.stringify(p.outargs));
    else this.rpc.log.push(`got job_done for unknown job ${String(p.job_id)}`);
  }

  private pinged(): string {
    this.lastping = Date.now();
    return 'pong!';
  }

  private taskReady(p: Msg): void {
    const action = this.actions.get(String(p.actionname));
    if (!action) {
      this.rpc.log.push(`got task_ready for unknown action ${String(p.actionname)}`);
      return;
    }
    this.rpc.call('get_task', { actionname: p.actionname, job_id: p.job_id }, (o) => {
      if (!('result' in o) || !Array.isArray(o.result)) return void this.rpc.log.push('no task for get_task');
      const [jobId, cookie, inargs] = o.result as [number, string, Msg, Msg];
      if (!cookie) return void this.rpc.log.push('aaah? no cookie? (get_task)');
      const done = (outargs: Msg): void => this.rpc.notify('task_done', { cookie, outargs });
      const run = (): Msg | undefined => {
        try {
          return action.cb(jobId, inargs, done);
        } catch (err) {
          return { error: `${(err as Error).message} at /usr/bin/jcworker line 42.\n` };
        }
      };
      if (action.mode === 'async') {
        const died = run();
        if (died) done(died);
        return;
      }
      void this.rpc.block(action.busyMs ?? 0, () => done(run() ?? {}));
    });
  }
}
