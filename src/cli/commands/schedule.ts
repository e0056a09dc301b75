/** Schedules: `ordo pause FLOW`, `ordo resume FLOW` (in run.ts, beside resuming a run), `ordo schedules`, `ordo fires FLOW`. */
import type { Command } from 'commander';
import { FireStore, type FireRow } from '../../store/fires.js';
import { backfill, scheduleRows, type ScheduleRow } from '../../server/schedule-ops.js';
import type { OrdoStore } from '../../store/ordo-store.js';
import { action, flowOf, loadValidProject, parsePositiveInt, projectDir, READ_ONLY, withStore, type StoreAccess } from '../context.js';
import { table, time } from '../format.js';

const actor = () => process.env.USER ?? 'operator';

const withFires = <T>(opts: { dir?: string }, fn: (fires: FireStore, store: OrdoStore) => Promise<T>, access: StoreAccess = {}): Promise<T> =>
  withStore(opts, (store) => fn(new FireStore(store.sql), store), access);

async function setPaused(flowName: string, opts: { dir?: string }, paused: boolean): Promise<void> {
  const project = await loadValidProject(projectDir(opts));
  const flow = flowOf(project, flowName);
  await withFires(opts, (fires) => fires.setPaused(flow.name, paused, actor(), Date.now()));
  const triggers = flow.schedule?.triggers.length ?? 0;
  process.stdout.write(`flow ${flow.name}: schedule ${paused ? 'paused' : 'resumed'} (${triggers} trigger${triggers === 1 ? '' : 's'})\n`);
}

export async function resumeSchedule(flowName: string, opts: { dir?: string }): Promise<number> {
  await setPaused(flowName, opts, false);
  return 0;
}

/** `ordo schedules` as a table (local and against a server). */
export function schedulesTable(rows: readonly ScheduleRow[]): string {
  return table(['FLOW', 'STATE', 'TRIGGERS', 'OVERLAP', 'CATCH-UP', 'LAST FIRE'], rows.map((r) => [
    r.flow, r.paused ? 'paused' : 'active', r.triggers.join(', '), r.overlap, r.catchup,
    r.lastFire ? `${r.lastFire.at} ${r.lastFire.state}${r.lastFire.run ? ` (run ${r.lastFire.run})` : ''}` : '-',
  ]));
}

/** `ordo fires FLOW` as a table. */
export function firesTable(list: ReadonlyArray<Pick<FireRow, 'at' | 'triggerKey' | 'businessDate' | 'state' | 'runId' | 'reason'>>): string {
  return table(['AT', 'TRIGGER', 'BUSINESS DATE', 'STATE', 'RUN', 'REASON'], list.map((f) => [
    time(f.at), f.triggerKey, f.businessDate ?? '-', f.state, f.runId === null ? '-' : String(f.runId), f.reason ?? '',
  ]));
}

export function registerScheduleCommands(program: Command): void {
  program.command('pause <flow>')
    .description("pause a flow's schedule: its triggers' fires are recorded as skipped until `ordo resume FLOW`")
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (flow: string, opts: { dir?: string }) => setPaused(flow, opts, true)));

  program.command('backfill <flow>')
    .description("queue a run for every instant of the flow's plans whose business date is in the range (a server starts them one at a time, below normal priority)")
    .option('-d, --dir <dir>', 'project directory')
    .requiredOption('--from <date>', 'first business date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last business date, YYYY-MM-DD')
    .option('--json', 'print the queued fires as JSON')
    .action(action(async (flowName: string, opts: { dir?: string; from: string; to: string; json?: boolean }) => {
      const project = await loadValidProject(projectDir(opts));
      const flow = flowOf(project, flowName);
      const queued = await withFires(opts, (fires, store) => backfill(project, flow, opts, store, fires));
      if (opts.json) process.stdout.write(`${JSON.stringify(queued)}\n`);
      else {
        for (const q of queued) process.stdout.write(`queued ${q.businessDate} (${q.at}, ${q.trigger})\n`);
        process.stdout.write(`${queued.length} run(s) queued for flow ${flow.name}; \`ordo server\` starts them one at a time\n`);
      }
    }));

  program.command('schedules')
    .description('flows with triggers: their policies, whether paused, and their last fire')
    .option('-d, --dir <dir>', 'project directory')
    .option('--json', 'print JSON')
    .action(action(async (opts: { dir?: string; json?: boolean }) => {
      const project = await loadValidProject(projectDir(opts));
      const rows = await withFires(opts, (fires) => scheduleRows(project, fires), READ_ONLY);
      if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else {
        process.stdout.write(schedulesTable(rows));
      }
    }));

  program.command('fires <flow>')
    .description("a flow's recent trigger fires: when, which trigger, what became of them")
    .option('-d, --dir <dir>', 'project directory')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(action(async (flowName: string, opts: { dir?: string; limit: string; json?: boolean }) => {
      const list = await withFires(opts, (fires) => fires.list(flowName, parsePositiveInt(opts.limit, '--limit')), READ_ONLY);
      if (opts.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else {
        process.stdout.write(firesTable(list));
      }
    }));
}
