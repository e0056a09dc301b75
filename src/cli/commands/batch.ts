/**
 * `ordo batch run FILE|NAME`, `ordo batch show ID`, `ordo batch rerun ID --failed`, `ordo batch list`
 * (docs/batches.md). Each works on this project's store (a server on it runs the batch) or, with --server,
 * through the API; both go through one BatchAccess so the output is the same.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { BatchRecord } from '../../batch/record.js';
import { recordOf, requireBatch, rerunFailed, resolveBatch, startBatch } from '../../batch/service.js';
import { OrdoError } from '../../errors.js';
import { listBatches } from '../../store/batches.js';
import { action, loadValidProject, parsePositiveInt, projectDir, stateDir, storeFor, type DirOption } from '../context.js';
import { duration, table, time } from '../format.js';
import { remoteTarget, type RemoteClient } from '../remote.js';

interface Opts extends DirOption { server?: string; token?: string; json?: boolean; wait?: boolean; failed?: boolean; limit?: string; name?: string }
interface Started { batch: number; run: number }
type Summary = Pick<BatchRecord, 'id' | 'name' | 'run' | 'parent' | 'state' | 'createdAt'> & { hosts: number; ok: number; failed: number; notRun: number };

/** What the commands need, from the store here or from a server. */
interface BatchAccess {
  run(arg: string): Promise<Started>;
  get(id: number): Promise<BatchRecord>;
  rerun(id: number): Promise<Started>;
  list(name: string | undefined, limit: number): Promise<Summary[]>;
  close(): Promise<void>;
  /** Said while waiting: who runs the batch. */
  readonly where: string;
}

async function access(opts: Opts): Promise<BatchAccess> {
  const client = remoteTarget(opts);
  return client ? remoteAccess(client) : localAccess(opts);
}

async function localAccess(opts: Opts): Promise<BatchAccess> {
  const store = await storeFor(opts);
  const states = stateDir(opts);
  const by = `cli:${process.env.USER ?? 'local'}`;
  return {
    where: 'a server on this project (ordo server) runs it',
    async run(arg) {
      const plan = resolveBatch(await loadValidProject(projectDir(opts)), arg);
      const b = await startBatch(store, plan, by, Date.now());
      return { batch: b.id, run: b.runId };
    },
    get: async (id) => recordOf(store, states, await requireBatch(store, id)),
    async rerun(id) {
      const b = await rerunFailed(store, states, await requireBatch(store, id), by, Date.now());
      return { batch: b.id, run: b.runId };
    },
    async list(name, limit) {
      const rows = await listBatches(store.sql, { name, limit });
      return Promise.all(rows.map(async (b) => summary(await recordOf(store, states, b))));
    },
    close: () => store.close(),
  };
}

function remoteAccess(c: RemoteClient): BatchAccess {
  return {
    where: 'the server runs it',
    run: async (arg) => {
      // A file is read here and its text sent: the server reads it against its project's hosts.
      const path = resolve(arg);
      if (/\.ya?ml$/i.test(arg) || existsSync(path)) {
        if (!existsSync(path)) throw new OrdoError('ORDO_NOT_FOUND', `batch file ${arg} does not exist`);
        return c.call<Started>('batches.run', { file: basename(arg), text: readFileSync(path, 'utf8') });
      }
      return c.call<Started>('batches.run', { name: arg });
    },
    get: (id) => c.call<BatchRecord>('batches.get', { batch: id }),
    rerun: (id) => c.call<Started>('batches.rerun', { batch: id, failed: true }),
    list: (name, limit) => c.call<Summary[]>('batches.list', { name, limit }),
    close: async () => {},
  };
}

function summary(r: BatchRecord): Summary {
  return { id: r.id, name: r.name, run: r.run, parent: r.parent, state: r.state, createdAt: r.createdAt, hosts: r.totals.hosts, ok: r.totals.ok, failed: r.totals.failed, notRun: r.totals.notRun };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const HINT_AFTER_MS = 10_000;

/**
 * Polls until the batch has ended; a server that restarts meanwhile is waited for (up to a minute). When no
 * host has started after a while, says once what it waits for (no server, or the hosts' agents are away).
 */
async function untilEnded(a: BatchAccess, id: number): Promise<BatchRecord> {
  let unreachableSince: number | undefined;
  const since = Date.now();
  let hinted = false;
  for (;;) {
    try {
      const r = await a.get(id);
      unreachableSince = undefined;
      if (r.state !== 'running') return r;
      if (!hinted && Date.now() - since > HINT_AFTER_MS && r.hosts.every((h) => h.outcome === 'waiting')) {
        hinted = true;
        process.stderr.write(`ordo: no host of batch ${id} has started yet: is ordo server running on this project's store, and are the hosts' agents connected? (ordo why ${r.run} ${r.hosts[0]?.host ?? 'HOST'})\n`);
      }
    } catch (err) {
      if (!(err instanceof OrdoError) || err.code !== 'ORDO_UNAVAILABLE') throw err;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > 60_000) throw err;
    }
    await sleep(250);
  }
}

export function formatRecord(r: BatchRecord): string {
  const head = `batch ${r.id} ${r.name} (run ${r.run}${r.parent !== null ? `, reruns batch ${r.parent}` : ''}): ${r.state}` +
    (r.stoppedAfter !== null ? ` after group ${r.stoppedAfter} of ${r.groups}: more than ${r.allowedFailures} host${r.allowedFailures === 1 ? '' : 's'} failed (maxFailures ${r.maxFailures})` : '');
  const rows = r.hosts.map((h) => [String(h.group), h.host, h.outcome, h.exitCode === null ? (h.signal ?? '-') : String(h.exitCode),
    duration(h.durationMs), h.rule, oneLine(h.error && h.outcome !== 'ok' ? h.error : h.output)]);
  const t = r.totals;
  const foot = `${t.hosts} hosts: ${t.ok} ok, ${t.failed} failed, ${t.notRun} not run${t.running > 0 ? `, ${t.running} to go` : ''}; ${duration(t.durationMs)}`;
  return `${head}\n${table(['group', 'host', 'outcome', 'exit', 'duration', 'command', 'output (last line)'], rows)}${foot}\n`;
}

function oneLine(text: string): string {
  const last = text.split('\n').at(-1) ?? '';
  return last.length > 60 ? `${last.slice(0, 57)}...` : last;
}

function print(r: BatchRecord, json: boolean): number {
  process.stdout.write(json ? `${JSON.stringify(r)}\n` : formatRecord(r));
  return r.state === 'succeeded' ? 0 : 1;
}

async function runAndWait(a: BatchAccess, started: Started, opts: Opts, what: string): Promise<number> {
  if (opts.wait === false) {
    process.stdout.write(opts.json ? `${JSON.stringify(started)}\n` : `${started.batch}\n`);
    return 0;
  }
  if (!opts.json) process.stderr.write(`batch ${started.batch} ${what} (run ${started.run}); ${a.where}; waiting for its end (Ctrl-C leaves it running)\n`);
  return print(await untilEnded(a, started.batch), !!opts.json);
}

const withAccess = (fn: (a: BatchAccess, ...rest: never[]) => Promise<number | void>) => action(async (...args: unknown[]) => {
  const opts = args.at(-2) as Opts;
  const a = await access(opts);
  try {
    return await fn(a, ...(args as never[]));
  } finally {
    await a.close();
  }
});

function common(cmd: Command): Command {
  return cmd.option('-d, --dir <dir>', 'project directory').option('--json', 'print JSON')
    .option('--server <url>', 'against the server at URL (ORDO_SERVER)').option('--token <token>', 'API token for --server (ORDO_TOKEN)');
}

export function registerBatchCommands(program: Command): void {
  const batch = program.command('batch').description('network-wide batches: one request to hosts in serial groups of parallel hosts (docs/batches.md)');
  common(batch.command('run <file-or-name>'))
    .description('start a batch (a batch file, or a batch of the project) and wait for its result; exit 0 iff every host succeeded')
    .option('--no-wait', 'print the batch id and return')
    .action(withAccess(async (a, arg: string, opts: Opts) => runAndWait(a, await a.run(arg), opts, 'started')));
  common(batch.command('show <id>'))
    .description("a batch's record: per host outcome, exit status, duration, output; totals")
    .action(withAccess(async (a, id: string, opts: Opts) => print(await a.get(parsePositiveInt(id, 'batch id')), !!opts.json)));
  common(batch.command('rerun <id>'))
    .description('a new batch over the hosts that failed or did not run, in their groups, linked to the old one')
    .option('--failed', 'only the failed and not-run hosts (required: the only kind of rerun)')
    .option('--no-wait', 'print the new batch id and return')
    .action(withAccess(async (a, id: string, opts: Opts) => {
      if (!opts.failed) throw new OrdoError('ORDO_BAD_ARGUMENT', 'ordo batch rerun ID --failed: a rerun covers the failed and not-run hosts');
      return runAndWait(a, await a.rerun(parsePositiveInt(id, 'batch id')), opts, `reruns batch ${id}'s failed hosts`);
    }));
  common(batch.command('list'))
    .description('batches, newest first')
    .option('--name <batch>', 'only this batch')
    .option('-n, --limit <n>', 'how many', '20')
    .action(withAccess(async (a, opts: Opts) => {
      const list = await a.list(opts.name, parsePositiveInt(opts.limit ?? '20', '--limit'));
      if (opts.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else {
        process.stdout.write(table(['id', 'name', 'run', 'state', 'hosts', 'ok', 'failed', 'not run', 'reruns', 'created'],
          list.map((b) => [String(b.id), b.name, String(b.run), b.state, String(b.hosts), String(b.ok), String(b.failed), String(b.notRun), b.parent === null ? '-' : String(b.parent), time(b.createdAt)])));
      }
    }));
}
