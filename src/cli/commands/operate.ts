/** Operator actions: skip, abort, restart, disable, enable. Each is one transaction with its events. */
import { suggest } from '../../suggest.js';
import type { Command } from 'commander';
import { abort, restart, skipJob, type OperatorContext, type RestartMode } from '../../engine/operator.js';
import { OrdoError } from '../../errors.js';
import { ownerAlive } from '../../server/owner.js';
import { leaseMsFrom, openRuntime } from '../../server/runtime.js';
import type { OrdoStore } from '../../store/ordo-store.js';
import { action, flowOf, loadValidProject, parseRunId, projectDir, settingsOrDefaults, stateDir, withStore } from '../context.js';
import { localFailureSource } from '../failures.js';
import { driveWithProgress, report } from './run.js';

const MODES: RestartMode[] = ['only', 'downstream', 'failed'];

function operatorContext(store: OrdoStore): OperatorContext {
  const now = Date.now();
  return { store, now, actor: process.env.USER ?? 'operator', ownerAlive: (run) => ownerAlive(run, now, leaseMsFrom()) };
}


export function registerOperatorCommands(program: Command): void {
  program.command('skip <run> <job>')
    .description('skip a job when it becomes runnable (it counts as done for jobs waiting on its success)')
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (runText: string, job: string, opts: { dir?: string }) => {
      await withStore(opts, (store) => skipJob(operatorContext(store), parseRunId(runText), job));
      process.stdout.write(`run ${runText}: ${job} will be skipped when it becomes runnable\n`);
    }));

  program.command('abort <run> [job]')
    .description('abort a running or waiting job, or the whole run')
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (runText: string, job: string | undefined, opts: { dir?: string }) => {
      await withStore(opts, (store) => abort(operatorContext(store), parseRunId(runText), job));
      process.stdout.write(job ? `run ${runText}: ${job} aborted\n` : `run ${runText}: aborted\n`);
    }));

  program.command('restart <run> <job>')
    .description('restart a job: --mode only | downstream (and what depends on it) | failed (and its downstream jobs that did not succeed)')
    .option('-d, --dir <dir>', 'project directory')
    .option('-m, --mode <mode>', 'only | downstream | failed', 'downstream')
    .option('--no-wait', 'only reopen the run (a server drives it); do not drive it here')
    .option('--json', 'print the result as one JSON object')
    .action(action(async (runText: string, job: string, opts: { dir?: string; mode: string; wait: boolean; json?: boolean }) => {
      if (!MODES.includes(opts.mode as RestartMode)) {
        throw new OrdoError('ORDO_BAD_ARGUMENT', `--mode must be one of ${MODES.join(', ')}, got "${opts.mode}"`);
      }
      const runId = parseRunId(runText);
      const dir = projectDir(opts);
      const settings = await settingsOrDefaults(dir);
      const rt = await openRuntime({ projectDir: dir, maxParallel: settings.maxParallel, logMaxBytes: settings.logMaxBytes, settings });
      try {
        const run = await rt.store.getRun(runId);
        if (!run) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
        const def = (await rt.store.getFlowVersion(run.flowVersionId)).def;
        const restartedAt = Date.now();
        const jobs = await restart(operatorContext(rt.store), runId, job, opts.mode as RestartMode, def);
        if (!opts.json) process.stderr.write(`run ${runId}: restarting ${jobs.join(', ')}\n`);
        if (!opts.wait || !(await rt.engine.tryAdopt(runId))) {
          if (opts.json) process.stdout.write(`${JSON.stringify({ run: runId, restarted: jobs, driven: false })}\n`);
          else process.stderr.write(`run ${runId}: left to the engine that drives it\n`);
          return 0;
        }
        const summary = await driveWithProgress(rt, runId, !!opts.json);
        // The run's own start is the original run's: the restart is timed from here.
        const restarted = { jobs, ms: Date.now() - restartedAt };
        return await report(summary, !!opts.json, localFailureSource(rt.store, stateDir(opts), runId), restarted);
      } finally {
        await rt.close();
      }
    }));

  for (const enable of [false, true]) {
    program.command(`${enable ? 'enable' : 'disable'} <flow> <job>`)
      .description(enable ? 'enable a job again' : 'disable a job: in every run it is skipped (and counts as done) until enabled')
      .option('-d, --dir <dir>', 'project directory')
      .action(action(async (flowName: string, job: string, opts: { dir?: string }) => {
        const flow = flowOf(await loadValidProject(projectDir(opts)), flowName);
        if (!flow.jobs.some((j) => j.name === job)) throw new OrdoError('ORDO_NOT_FOUND', `flow "${flowName}" has no job "${job}"${suggest(job, flow.jobs.map((j) => j.name))}`);
        await withStore(opts, (store) => store.setJobEnabled(flowName, job, enable, Date.now()));
        process.stdout.write(`${flowName}.${job} ${enable ? 'enabled' : 'disabled'}\n`);
      }));
  }
}
