/**
 * The remote versions of CLI commands: the same arguments, options and output as the local ones, done by
 * JSON-RPC calls to a server (remote.ts). Keyed by command path.
 */
import type { Explanation } from '../engine/explain.js';
import type { Forecast } from '../engine/forecast.js';
import { printForecast } from './commands/resources.js';
import type { AttemptRow, EventRow, RunRow, TaskRow } from '../engine/store.js';
import { failedJobs, formatFailures, type FailureSource } from './failures.js';
import { OrdoError } from '../errors.js';
import { parsePositiveInt, parseRunId } from './context.js';
import { firesTable, schedulesTable } from './commands/schedule.js';
import { printServers } from './commands/servers.js';
import type { ServersView } from '../server/servers-view.js';
import { printRun } from './commands/show.js';
import { followEvents, parseSince, printEvent, printHistory } from './commands/history.js';
import type { HistoryEntry, HistoryStats } from '../store/history.js';
import { parseInput, report as reportWf, wfRunLine } from './commands/workflow.js';
import { report as reportRun } from './commands/run.js';
import type { RunSummary } from '../engine/active-run.js';
import { RUN_END_STATES } from '../engine/store.js';
import type { RunEnd } from '../wf/types.js';
import type { ScheduleRow } from '../server/schedule-ops.js';
import type { FireRow } from '../store/fires.js';
import { duration, table, time } from './format.js';
import type { RemoteClient } from './remote.js';
import { parseAssignment } from '../wf/operator.js';
import { formatRunId, parseWfRunId } from '../wf/types.js';

type Opts = Record<string, unknown>;
export type RemoteCommand = (client: RemoteClient, args: Array<string | undefined>, opts: Opts) => Promise<number | void>;

const out = (text: string) => process.stdout.write(text);

type ForecastJson = Omit<Forecast, 'late'> & { late: string[] };

const toggle = (method: string, word: string): RemoteCommand => async (c, [name], o) => {
  await c.call(method, { name, reason: o.reason });
  out(`${method.startsWith('gates') ? 'gate' : 'connector'} ${name} ${word}\n`);
};

const enable = (on: boolean): RemoteCommand => async (c, [flow, job]) => {
  await c.call(on ? 'jobs.enable' : 'jobs.disable', { flow, job });
  out(`${flow}.${job} ${on ? 'enabled' : 'disabled'}\n`);
};

interface WfRunJson { id: string; workflow: string; status: string; parent: string | null }

interface RunDoc { run: RunRow; tasks: Array<TaskRow & { attemptsList?: AttemptRow[] }> }

/** A failed job's last attempt from the run's document, and the end of its log read in one page from the server. */
function remoteFailureSource(c: RemoteClient, doc: RunDoc): FailureSource {
  const run = doc.run.id;
  return {
    lastAttempt: async (task) => doc.tasks.find((t) => t.id === task.id)?.attemptsList?.at(-1),
    tail: async (job, attempt, stream, bytes) => {
      const { size } = await c.call<{ size: number }>('runs.logs', { run, job, attempt, stream, limit: 1 });
      const page = await c.call<{ text: string }>('runs.logs', { run, job, attempt, stream, offset: Math.max(0, size - bytes), limit: bytes });
      return page.text;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 250;

/** Runs to the end against a server: started there, then its state polled until it ends. */
const RUN_REMOTE: Record<string, RemoteCommand> = {
  run: async (c, [flow], o) => {
    if (o.maxParallel !== undefined) throw new OrdoError('ORDO_BAD_ARGUMENT', '--max-parallel applies to a run in this process; against a server use `ordo set max-parallel`');
    const priority = o.priority === undefined ? undefined : Number(o.priority);
    const { run } = await c.call<{ run: number }>('runs.start', { flow, params: o.param ?? {}, priority, statsClass: o.statsClass });
    if (!o.json) process.stderr.write(`run ${run} started on the server\n`);
    for (;;) {
      const doc = await c.call<RunDoc>('runs.get', { run });
      if (RUN_END_STATES.includes(doc.run.state)) return reportRun({ run: doc.run, tasks: doc.tasks } as RunSummary, !!o.json, remoteFailureSource(c, doc));
      await sleep(POLL_MS);
    }
  },
  call: async (c, [workflow], o) => {
    if (Array.isArray(o.worker) && o.worker.length > 0) throw new OrdoError('ORDO_BAD_ARGUMENT', '--worker loads handlers into this process; against a server, run the worker with the SDK (RemoteWorker)');
    const [job, error] = await c.call<[number | null, string | null]>('create_job', { wfname: workflow, inargs: parseInput(o.input as string | undefined) });
    if (job === null) throw new OrdoError('ORDO_BAD_ARGUMENT', `the server refused to start ${workflow}: ${error ?? 'no reason given'}`);
    for (;;) {
      const [id, outargs] = await c.call<[number | null, Record<string, unknown> | null]>('get_job_status', { job_id: job });
      if (id !== null) {
        const failed = outargs !== null && Object.hasOwn(outargs, 'error');
        return reportWf({
          runId: job, status: failed ? 'error' : 'done', output: failed ? null : outargs as RunEnd['output'],
          error: failed ? outargs!.error as RunEnd['error'] : null,
        }, !!o.json);
      }
      await sleep(POLL_MS);
    }
  },
};

/** The workflow commands against a server (the wf.* methods). */
const WF_REMOTE: Record<string, RemoteCommand> = {
  'wf show': async (c, [run], o) => {
    const { text, ...doc } = await c.call<{ text: string }>('wf.get', { run: formatRunId(parseWfRunId(run!)) });
    out(o.json ? `${JSON.stringify(doc)}\n` : text);
  },
  'wf runs': async (c, _a, o) => {
    const runs = await c.call<WfRunJson[]>('wf.list', { workflow: o.workflow, status: o.status, limit: parsePositiveInt(String(o.limit ?? '20'), '--limit') });
    if (o.json) return void out(`${JSON.stringify(runs)}\n`);
    for (const r of runs) out(wfRunLine(r.id, r.workflow, r.status, r.parent));
  },
  vars: async (c, [run], o) => {
    const vars = await c.call<Record<string, Record<string, unknown>>>('wf.vars', { run: formatRunId(parseWfRunId(run!)) });
    if (o.json) return void out(`${JSON.stringify(vars)}\n`);
    for (const [ns, obj] of Object.entries(vars)) for (const [k, v] of Object.entries(obj)) out(`${ns}.${k} = ${JSON.stringify(v)}\n`);
  },
  'set-var': async (c, [run, ...assignments]) => {
    const id = formatRunId(parseWfRunId(run!));
    const parsed = assignments.flat().filter((a): a is string => typeof a === 'string').map(parseAssignment);
    await c.call('wf.setVar', { run: id, vars: Object.fromEntries(parsed.map((a) => [a.name, a.value])) });
    for (const { name, value } of parsed) out(`${id}: v.${name} = ${JSON.stringify(value)}\n`);
  },
  cancel: async (c, [run]) => {
    const { run: id } = await c.call<{ run: string }>('wf.cancel', { run: formatRunId(parseWfRunId(run!)) });
    out(`${id} cancelled\n`);
  },
  retry: async (c, [run]) => {
    const { run: id } = await c.call<{ run: string }>('wf.retry', { run: formatRunId(parseWfRunId(run!)) });
    out(`${id} will be retried; the server drives it\n`);
  },
};


const pause = (paused: boolean): RemoteCommand => async (c, [flow]) => {
  await c.call(paused ? 'schedules.pause' : 'schedules.resume', { flow });
  out(`flow ${flow}: schedule ${paused ? 'paused' : 'resumed'}\n`);
};

/** The schedule commands against a server (the schedules.* methods). */
const SCHEDULE_REMOTE: Record<string, RemoteCommand> = {
  schedules: async (c, _a, o) => {
    const rows = await c.call<ScheduleRow[]>('schedules.list');
    if (o.json) return void out(`${JSON.stringify(rows)}\n`);
    out(schedulesTable(rows));
  },
  fires: async (c, [flow], o) => {
    const list = await c.call<FireRow[]>('schedules.fires', { flow, limit: parsePositiveInt(String(o.limit ?? '20'), '--limit') });
    if (o.json) return void out(`${JSON.stringify(list)}\n`);
    out(firesTable(list));
  },
  pause: pause(true),
  resume: async (c, args, o) => {
    if (/^\d+$/.test(args[0] ?? '')) throw new OrdoError('ORDO_BAD_ARGUMENT', 'resuming a run drives it in this process: run `ordo resume RUN` without --server (a server adopts unfinished runs by itself)');
    return pause(false)(c, args, o);
  },
  backfill: async (c, [flow], o) => {
    const queued = await c.call<Array<{ at: string; businessDate: string; trigger: string }>>('schedules.backfill', { flow, from: o.from, to: o.to });
    if (o.json) return void out(`${JSON.stringify(queued)}\n`);
    for (const q of queued) out(`queued ${q.businessDate} (${q.at}, ${q.trigger})\n`);
    out(`${queued.length} run(s) queued for flow ${flow}; the server starts them one at a time\n`);
  },
};

export const REMOTE_COMMANDS: Record<string, RemoteCommand> = {
  ...RUN_REMOTE,
  ...WF_REMOTE,
  ...SCHEDULE_REMOTE,
  servers: async (c, _a, o) => printServers(await c.call<ServersView>('servers.list', { all: o.all === true ? true : undefined }), !!o.json),
  runs: async (c, _a, o) => {
    const runs = await c.call<RunRow[]>('runs.list', { flow: o.flow, state: o.state, limit: parsePositiveInt(String(o.limit ?? '20'), '--limit') });
    if (o.json) return void out(`${JSON.stringify(runs)}\n`);
    out(table(['RUN', 'FLOW', 'STATE', 'CREATED', 'DURATION'], runs.map((r) => [
      String(r.id), r.flow, r.state, time(r.createdAt), r.startedAt && r.endedAt ? duration(r.endedAt - r.startedAt) : '-',
    ])));
  },
  show: async (c, [run], o) => {
    if (/^W\d+$/i.test(run!)) return WF_REMOTE['wf show']!(c, [run], o);
    const doc = await c.call<RunDoc & { kv: unknown[] }>('runs.get', { run: parseRunId(run!) });
    if (o.json) return void out(`${JSON.stringify(doc)}\n`);
    printRun(doc.run, doc.tasks);
    out(formatFailures(doc.run, await failedJobs(doc.tasks, remoteFailureSource(c, doc))));
  },
  events: async (c, [run], o) => {
    if (o.all) {
      const limit = parsePositiveInt(String(o.limit ?? '1000'), '--limit');
      const first = await c.call<EventRow[]>('events.list', { since: parseSince(o.since as string | undefined, Date.now()), limit });
      return followEvents((after) => c.call<EventRow[]>('events.list', { after, limit: 10_000 }), first, Boolean(o.json), Boolean(o.follow), 1000);
    }
    if (run === undefined) throw new OrdoError('ORDO_BAD_ARGUMENT', 'ordo events needs a run (or --all for every run)');
    for (const e of await c.call<EventRow[]>('runs.events', { run: parseRunId(run) })) printEvent(e, Boolean(o.json));
  },
  history: async (c, [flow, job], o) => {
    printHistory(await c.call<{ entries: HistoryEntry[]; stats: HistoryStats }>('jobs.history', {
      flow, job, limit: parsePositiveInt(String(o.limit ?? '20'), '--limit'),
    }), Boolean(o.json));
  },
  start: async (c, [flow], o) => {
    const priority = o.priority === undefined ? undefined : Number(o.priority);
    const { run } = await c.call<{ run: number }>('runs.start', { flow, params: o.param ?? {}, priority, statsClass: o.statsClass });
    out(o.json ? `${JSON.stringify({ run })}\n` : `${run}\n`);
  },
  abort: async (c, [run, job]) => {
    await c.call('runs.abort', { run: parseRunId(run!), job });
    out(job ? `run ${run}: ${job} aborted\n` : `run ${run}: aborted\n`);
  },
  skip: async (c, [run, job]) => {
    await c.call('runs.skip', { run: parseRunId(run!), job });
    out(`run ${run}: ${job} will be skipped when it becomes runnable\n`);
  },
  restart: async (c, [run, job], o) => {
    const r = await c.call<{ run: number; jobs: string[] }>('runs.restart', { run: parseRunId(run!), job, mode: o.mode });
    if (o.json) return void out(`${JSON.stringify(r)}\n`);
    process.stderr.write(`run ${r.run}: restarting ${r.jobs.join(', ')}; the server drives it\n`);
  },
  why: async (c, [run, job], o) => {
    const e = await c.call<Explanation>('runs.why', { run: parseRunId(run!), job });
    out(o.json ? `${JSON.stringify(e)}\n` : `run ${e.run} ${e.job} is ${e.state}: ${e.text}\n`);
  },
  forecast: async (c, [run], o) => {
    printForecast(await c.call<ForecastJson>('runs.forecast', { run: parseRunId(run!) }), !!o.json);
  },
  'gate open': toggle('gates.open', 'opened'),
  'gate close': toggle('gates.close', 'closed'),
  'connector block': toggle('connectors.block', 'blocked'),
  'connector unblock': toggle('connectors.unblock', 'unblocked'),
  resources: async (c, _a, o) => {
    const rows = await c.call<Array<{ name: string; closed: boolean; reason: string | null; holders: Array<{ runId: number; job: string; mode: string }> }>>('resources.list');
    const flat = rows.map((r) => ({ ...r, holders: r.holders.map((h) => `run ${h.runId} ${h.job} (${h.mode})`) }));
    if (o.json) return void out(`${JSON.stringify(flat)}\n`);
    out(table(['RESOURCE', 'STATE', 'HELD BY'], flat.map((r) => [
      r.name, r.closed ? `${r.name.startsWith('connector:') ? 'blocked' : 'closed'}${r.reason ? `: ${r.reason}` : ''}` : 'open', r.holders.join(', ') || '-',
    ])));
  },
  set: async (c, [name, value]) => {
    if (name !== 'max-parallel') throw new OrdoError('ORDO_BAD_ARGUMENT', `unknown setting "${name}" (settings: max-parallel)`);
    const n = parsePositiveInt(value!, 'max-parallel');
    await c.call('settings.set', { name, value: n });
    out(`max-parallel set to ${n}; engines apply it within their poll interval\n`);
  },
  disable: enable(false),
  enable: enable(true),
  logs: async (c, [run, job], o) => {
    if (o.follow) throw new OrdoError('ORDO_BAD_ARGUMENT', '--follow is not available against a server yet; read the logs again');
    const attempt = o.attempt === undefined ? undefined : parsePositiveInt(String(o.attempt), '--attempt');
    let offset = 0;
    for (let page = 0; page < 10_000; page++) {
      const r = await c.call<{ text: string; nextOffset: number; size: number }>('runs.logs', { run: parseRunId(run!), job, attempt, stream: o.stream, offset });
      out(r.text);
      if (r.nextOffset >= r.size || r.nextOffset === offset) break;
      offset = r.nextOffset;
    }
  },
};
