/** `ordo run`, `ordo start`, `ordo resume`: create runs and drive them to their end. */
import type { Command } from 'commander';
import type { RunSummary } from '../../engine/active-run.js';
import { abort } from '../../engine/operator.js';
import { hostsMatching } from '../../engine/resources.js';
import { resolveParams } from '../../defs/params.js';
import { resolveVars } from '../../defs/vars.js';
import { flowFingerprint } from '../../defs/version.js';
import { OrdoError } from '../../errors.js';
import { ownerAlive } from '../../server/owner.js';
import { leaseMsFrom, openRuntime, type Runtime } from '../../server/runtime.js';
import {
  action, collectParam, collectVar, flowOf, loadValidProject, parsePositiveInt, parseRunId, projectDir, settingsOrDefaults, stateDir, storeFor,
} from '../context.js';
import { failedJobs, formatFailures, localFailureSource, type FailureSource } from '../failures.js';
import { Progress } from '../progress.js';
import { resumeSchedule } from './schedule.js';
import { printRun } from './show.js';

interface RunOptions {
  dir?: string;
  param?: Record<string, string>;
  var?: Record<string, string>;
  json?: boolean;
  maxParallel?: string;
  priority?: string;
  statsClass?: string;
}

/** A run's priority (added to its jobs') and statistics class, from the command line. */
function runOptions(opts: RunOptions): { priority: number; statsClass: string } {
  const priority = opts.priority === undefined ? 0 : Number(opts.priority);
  if (!Number.isInteger(priority) || Math.abs(priority) >= 1000) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `--priority must be an integer between -999 and 999, got "${opts.priority}"`);
  }
  const statsClass = opts.statsClass ?? 'default';
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(statsClass)) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `--stats-class must be a name (letters, digits, "_", "-"), got "${statsClass}"`);
  }
  return { priority, statsClass };
}

async function prepare(flowName: string, opts: RunOptions) {
  const dir = projectDir(opts);
  const project = await loadValidProject(dir);
  const flow = flowOf(project, flowName);
  const { values, errors } = resolveParams(flow, opts.param ?? {});
  const vars = resolveVars(flow, opts.var);
  if (errors.length + vars.errors.length > 0) throw new OrdoError('ORDO_BAD_PARAM', [...errors, ...vars.errors].join('; '));
  const maxParallel = opts.maxParallel ? parsePositiveInt(opts.maxParallel, '--max-parallel') : project.settings.maxParallel;
  return { dir, project, flow, params: values, vars: vars.values, maxParallel };
}

/** Drives a run in this process with live progress; Ctrl-C aborts the run (twice: leave at once). */
export async function driveWithProgress(rt: Runtime, runId: number, json: boolean): Promise<RunSummary> {
  const progress = new Progress(process.stderr, !json);
  progress.alreadyEnded(await rt.store.getTasks(runId));
  const unsubscribe = rt.engine.onProgressChange((run, tasks) => progress.update(run, tasks));
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    process.stderr.write(`\nordo: aborting run ${runId} (Ctrl-C again to leave at once)\n`);
    void abort({ store: rt.store, now: Date.now(), actor: 'cli', ownerAlive: () => true }, runId).catch(() => {});
  };
  process.on('SIGINT', onSigint);
  try {
    const summary = await rt.engine.drive(runId);
    if (rt.engine.error) throw new OrdoError('ORDO_STORE', `the store failed while running: ${rt.engine.error.message}`);
    return summary;
  } finally {
    process.off('SIGINT', onSigint);
    unsubscribe();
    progress.done();
  }
}

/** The run's outcome: JSON, or its table and, when it failed, what its failed jobs said. */
export async function report(
  summary: RunSummary, json: boolean, failures?: FailureSource, restarted?: { jobs: string[]; ms: number },
): Promise<number> {
  if (summary.lostTo !== undefined) {
    // Stopped or cut off past its lease, this process found another engine driving the run: it let go of
    // its attempts (killed those nobody took over) and leaves the rest of the run to that engine.
    const to = summary.lostTo ? ` to ${summary.lostTo}` : '';
    if (json) process.stdout.write(`${JSON.stringify({ run: summary.run.id, state: 'lost_ownership', owner: summary.lostTo })}\n`);
    else process.stderr.write(`ordo: lost ownership of run ${summary.run.id}${to}; it goes on there (see ordo show ${summary.run.id})\n`);
    return 5;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({
      run: summary.run.id,
      state: summary.run.state,
      tasks: summary.tasks.map((t) => ({ job: t.job, state: t.state, attempts: t.attempts, exitCode: t.exitCode })),
      ...(restarted && { restarted: restarted.jobs, restartMs: restarted.ms }),
    })}\n`);
  } else {
    printRun(summary.run, summary.tasks, restarted);
    if (failures) process.stdout.write(formatFailures(summary.run, await failedJobs(summary.tasks, failures)));
  }
  return summary.run.state === 'succeeded' ? 0 : 1;
}

export function registerRunCommands(program: Command): void {
  program.command('run <flow>')
    .description('run a flow to its end in this process; exit 0 iff the run succeeded')
    .option('-d, --dir <dir>', 'project directory (default: current directory)')
    .option('-p, --param <key=value>', 'flow parameter (repeatable)', collectParam)
    .option('--var <name=value>', 'a variable of the flow or ordo.yaml, for this run (repeatable)', collectVar)
    .option('--max-parallel <n>', 'maximum tasks running at once (default: ordo.yaml maxParallel)')
    .option('--priority <n>', "the run's priority, added to its jobs' (-999..999)")
    .option('--stats-class <name>', 'duration statistics the run uses and feeds (e.g. daily, month-end)', 'default')
    .option('--json', 'print the result as one JSON object')
    .action(action(async (flowName: string, opts: RunOptions) => {
      const extra = runOptions(opts);
      const { dir, flow, params, vars, maxParallel, project } = await prepare(flowName, opts);
      // Only a server has agents: here a job that only an agent's host can take would wait for ever. SSH
      // hosts need no agent: this process runs their jobs itself.
      const { hosts } = project.settings;
      const viaSsh = (name: string) => hosts.get(name)?.transport === 'ssh';
      const placed = flow.jobs.filter((j) => (j.host !== undefined && !viaSsh(j.host))
        || j.singleton !== undefined || (j.hostSelector && !hostsMatching(j.hostSelector.labels, hosts).some(viaSsh)));
      if (placed.length > 0) {
        throw new OrdoError('ORDO_BAD_ARGUMENT', `flow "${flow.name}" has jobs on agents' hosts (${placed.map((j) => j.name).join(', ')}): ` +
          `a server runs it (ordo start ${flow.name}, with ordo server and the hosts' agents running)`);
      }
      const rt = await openRuntime({ projectDir: dir, maxParallel, logMaxBytes: project.settings.logMaxBytes, settings: project.settings });
      try {
        const run = await rt.engine.createRun(flow, flowFingerprint(flow), params, { ...extra, vars });
        return await report(await driveWithProgress(rt, run.id, !!opts.json), !!opts.json, localFailureSource(rt.store, stateDir(opts), run.id));
      } finally {
        await rt.close();
      }
    }));

  program.command('start <flow>')
    .description('create a run for a server (`ordo server`) to drive; prints its id')
    .option('-d, --dir <dir>', 'project directory')
    .option('-p, --param <key=value>', 'flow parameter (repeatable)', collectParam)
    .option('--var <name=value>', 'a variable of the flow or ordo.yaml, for this run (repeatable)', collectVar)
    .option('--priority <n>', "the run's priority, added to its jobs' (-999..999)")
    .option('--stats-class <name>', 'duration statistics the run uses and feeds (e.g. daily, month-end)', 'default')
    .option('--json', 'print {"run": ID}')
    .action(action(async (flowName: string, opts: RunOptions) => {
      const extra = runOptions(opts);
      const { flow, params, vars } = await prepare(flowName, opts);
      const store = await storeFor(opts);
      try {
        const version = await store.saveFlowVersion(flow, flowFingerprint(flow), Date.now());
        const run = await store.createRun({ flowVersionId: version.id, flow: flow.name, params, vars, jobs: flow.jobs.map((j) => j.name), at: Date.now(), ...extra });
        process.stdout.write(opts.json ? `${JSON.stringify({ run: run.id })}\n` : `${run.id}\n`);
      } finally {
        await store.close();
      }
    }));

  program.command('resume <run-or-flow>')
    .description('drive an unfinished run (e.g. after a crash) to its end in this process; given a flow name, resume its paused schedule')
    .option('-d, --dir <dir>', 'project directory')
    .option('--max-parallel <n>', 'maximum tasks running at once (default: ordo.yaml maxParallel)')
    .option('--json', 'print the result as one JSON object')
    .action(action(async (runText: string, opts: RunOptions) => {
      if (!/^\d+$/.test(runText)) return resumeSchedule(runText, opts);
      const runId = parseRunId(runText);
      const settings = await settingsOrDefaults(projectDir(opts));
      const rt = await openRuntime({
        projectDir: projectDir(opts), maxParallel: opts.maxParallel ? parsePositiveInt(opts.maxParallel, '--max-parallel') : settings.maxParallel,
        logMaxBytes: settings.logMaxBytes, settings,
      });
      try {
        const run = await rt.store.getRun(runId);
        if (run?.owner && ownerAlive(run, Date.now(), leaseMsFrom()) && run.owner !== rt.engine.owner) {
          throw new OrdoError('ORDO_CONFLICT', `run ${runId} is being driven by ${run.owner}`);
        }
        return await report(await driveWithProgress(rt, runId, !!opts.json), !!opts.json, localFailureSource(rt.store, stateDir(opts), runId));
      } finally {
        await rt.close();
      }
    }));
}
