/** `ordo runs`, `ordo show RUN`, `ordo events RUN`: what happened, from the store. */
import type { Command } from 'commander';
import { showWorkflowRun } from './workflow.js';
import type { RunRow, RunState, TaskRow } from '../../engine/store.js';
import { OrdoError } from '../../errors.js';
import { action, parsePositiveInt, parseRunId, READ_ONLY, stateDir, storeFor, withStore } from '../context.js';
import { readArchive } from '../../retention/reader.js';
import { eventsAcross, historyStats, jobHistory } from '../../store/history.js';
import { followEvents, parseSince, printEvent, printHistory } from './history.js';
import { failedJobs, formatFailures, localFailureSource } from '../failures.js';
import { duration, table, time } from '../format.js';

interface EventsOptions { dir?: string; all?: boolean; since?: string; limit?: string; follow?: boolean; json?: boolean }

const RUN_STATES: RunState[] = ['pending', 'running', 'succeeded', 'failed', 'aborted'];

/** The run's header and task table; after a restart the header says what was restarted and how long that took. */
export function printRun(run: RunRow, tasks: TaskRow[], restarted?: { jobs: string[]; ms: number }): void {
  const took = restarted ? ` (restarted ${restarted.jobs.join(', ')}: ${duration(restarted.ms)})`
    : run.startedAt && run.endedAt ? ` in ${duration(run.endedAt - run.startedAt)}` : '';
  process.stdout.write(`run ${run.id}  flow ${run.flow}  ${run.state}${took}\n`);
  const rows = tasks.map((t) => [
    t.job, t.state + (t.reason ? ` (${t.reason})` : ''), String(t.attempts), time(t.startedAt),
    t.startedAt && t.endedAt ? duration(t.endedAt - t.startedAt) : t.state === 'running' && t.startedAt ? `${duration(Date.now() - t.startedAt)}+` : '-',
    t.exitCode === null ? '-' : String(t.exitCode),
  ]);
  process.stdout.write(table(['JOB', 'STATE', 'ATTEMPTS', 'START', 'DURATION', 'EXIT'], rows));
}

function showArchived(state: string, runId: number, json: boolean): void {
  const doc = readArchive(state).find((d) => d.run.id === runId);
  if (!doc) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} is not in the archive`);
  if (json) return void process.stdout.write(`${JSON.stringify(doc)}\n`);
  printRun(doc.run, doc.tasks);
  process.stdout.write(`(archived: ${doc.events.length} event(s) kept; its output files were removed)\n`);
}

export function registerShowCommands(program: Command): void {
  program.command('runs')
    .description('list runs, newest first')
    .option('-d, --dir <dir>', 'project directory')
    .option('--flow <flow>', 'only runs of this flow')
    .option('--state <state>', `only runs in this state (${RUN_STATES.join('|')})`)
    .option('-n, --limit <n>', 'how many', '20')
    .option('--archived', 'the runs retention archived (docs/retention.md) instead of those in the database')
    .option('--json', 'print JSON')
    .action(action(async (opts: { dir?: string; flow?: string; state?: string; limit: string; archived?: boolean; json?: boolean }) => {
      if (opts.state && !RUN_STATES.includes(opts.state as RunState)) {
        throw new OrdoError('ORDO_BAD_ARGUMENT', `--state must be one of ${RUN_STATES.join(', ')}, got "${opts.state}"`);
      }
      const limit = parsePositiveInt(opts.limit, '--limit');
      const store = opts.archived ? undefined : await storeFor(opts, READ_ONLY);
      try {
        const runs = store ? await store.listRuns({ flow: opts.flow, states: opts.state ? [opts.state as RunState] : undefined, limit })
          : readArchive(stateDir(opts), { flow: opts.flow }).map((d) => d.run).filter((r) => !opts.state || r.state === opts.state).slice(0, limit);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(runs)}\n`);
          return;
        }
        process.stdout.write(table(['RUN', 'FLOW', 'STATE', 'CREATED', 'DURATION'], runs.map((r) => [
          String(r.id), r.flow, r.state, time(r.createdAt), r.startedAt && r.endedAt ? duration(r.endedAt - r.startedAt) : '-',
        ])));
      } finally {
        await store?.close();
      }
    }));

  program.command('show <run>')
    .description('a run and its tasks: job, state, attempts, start, duration, exit; a workflow run (W12) and its step trace')
    .option('-d, --dir <dir>', 'project directory')
    .option('--archived', 'a run that retention archived (docs/retention.md)')
    .option('--json', 'print JSON (the run, its tasks and their attempts)')
    .action(action(async (runText: string, opts: { dir?: string; json?: boolean; archived?: boolean }) => {
      if (/^W\d+$/i.test(runText)) return showWorkflowRun(runText, opts);
      const runId = parseRunId(runText);
      if (opts.archived) return showArchived(stateDir(opts), runId, Boolean(opts.json));
      const store = await storeFor(opts, READ_ONLY);
      try {
        const run = await store.getRun(runId);
        if (!run) {
          const archived = readArchive(stateDir(opts)).some((d) => d.run.id === runId);
          throw new OrdoError('ORDO_NOT_FOUND', archived ? `run ${runId} was archived by retention: ordo show ${runId} --archived` : `run ${runId} does not exist`);
        }
        const tasks = await store.getTasks(runId);
        if (opts.json) {
          const withAttempts = await Promise.all(tasks.map(async (t) => ({ ...t, attemptsList: await store.getAttempts(t.id) })));
          process.stdout.write(`${JSON.stringify({ run, tasks: withAttempts, kv: await store.kvList(runId) })}\n`);
          return;
        }
        printRun(run, tasks);
        process.stdout.write(formatFailures(run, await failedJobs(tasks, localFailureSource(store, stateDir(opts), runId))));
      } finally {
        await store.close();
      }
    }));

  program.command('events [run]')
    .description("a run's audit trail: every state change, in order; --all: the event log of every run")
    .option('-d, --dir <dir>', 'project directory')
    .option('--all', 'every run (and the changes of no run: users, secrets)')
    .option('--since <when>', 'with --all: from this long ago (90m, 1h, 2d) or this ISO date or instant')
    .option('--limit <n>', 'with --all: at most this many of the newest (default 1000)')
    .option('--follow', 'with --all: keep printing new events until interrupted')
    .option('--json', 'print JSON lines')
    .action(action(async (runText: string | undefined, opts: EventsOptions) => {
      const store = await storeFor(opts, READ_ONLY);
      try {
        if (opts.all) {
          const limit = parsePositiveInt(opts.limit ?? '1000', '--limit');
          const since = parseSince(opts.since, Date.now());
          const first = await eventsAcross(store.sql, { since, limit });
          await followEvents((after) => eventsAcross(store.sql, { after, limit: 10_000 }), first, Boolean(opts.json), Boolean(opts.follow));
          return;
        }
        if (runText === undefined) throw new OrdoError('ORDO_BAD_ARGUMENT', 'ordo events needs a run (or --all for every run)');
        const runId = parseRunId(runText);
        if (!(await store.getRun(runId))) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
        for (const e of await store.events(runId)) printEvent(e, Boolean(opts.json));
      } finally {
        await store.close();
      }
    }));

  program.command('history <flow> <job>')
    .description("a job's attempts over its flow's last runs: durations, exit, CPU time, peak memory, success rate")
    .option('-d, --dir <dir>', 'project directory')
    .option('--limit <n>', 'how many attempts (default 20)')
    .option('--json', 'print JSON')
    .action(action(async (flow: string, job: string, opts: { dir?: string; limit?: string; json?: boolean }) => {
      const limit = parsePositiveInt(opts.limit ?? '20', '--limit');
      const entries = await withStore(opts, (s) => jobHistory(s.sql, flow, job, limit), READ_ONLY);
      printHistory({ entries, stats: historyStats(entries) }, Boolean(opts.json));
    }));
}
