/** Schedules: `ordo pause FLOW`, `ordo resume FLOW` (in run.ts, beside resuming a run), `ordo schedules`, `ordo fires FLOW`. */
import type { Command } from 'commander';
import { OrdoError } from '../../errors.js';
import { planResolver } from '../../server/scheduling.js';
import { FireStore } from '../../store/fires.js';
import { isDate } from '../../time/date.js';
import { Launcher } from '../../triggers/launcher.js';
import type { OrdoStore } from '../../store/ordo-store.js';
import { action, flowOf, loadValidProject, parsePositiveInt, projectDir, withStore } from '../context.js';
import { table, time } from '../format.js';

const actor = () => process.env.USER ?? 'operator';

const withFires = <T>(opts: { dir?: string }, fn: (fires: FireStore, store: OrdoStore) => Promise<T>): Promise<T> =>
  withStore(opts, (store) => fn(new FireStore(store.sql), store));

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
      for (const [name, value] of [['--from', opts.from], ['--to', opts.to]] as const) {
        if (!isDate(value)) throw new OrdoError('ORDO_BAD_ARGUMENT', `${name} must be a date YYYY-MM-DD, got "${value}"`);
      }
      if (opts.from > opts.to) throw new OrdoError('ORDO_BAD_ARGUMENT', `--from ${opts.from} is after --to ${opts.to}`);
      const planOf = planResolver(project);
      const triggers = (flow.schedule?.triggers ?? []).filter((t) => t.kind === 'plan' || t.kind === 'cron');
      if (triggers.length === 0) throw new OrdoError('ORDO_BAD_ARGUMENT', `flow "${flow.name}" has no plan or cron trigger to backfill`);
      // Instants a little beyond the range, kept by business date (a plan may fire after midnight for the day before).
      const margin = 3 * 86_400_000;
      const fromMs = Date.parse(`${opts.from}T00:00:00Z`) - margin;
      const toMs = Date.parse(`${opts.to}T23:59:59Z`) + margin;
      const queued: Array<{ at: string; businessDate: string; trigger: string }> = [];
      await withFires(opts, async (fires, store) => {
        const launcher = new Launcher({ store, fires, now: () => Date.now(), ownerAlive: () => true });
        for (const t of triggers) {
          const plan = planOf(t, flow);
          if (!plan) continue;
          for (const f of plan.between(fromMs, toMs, 100_000)) {
            if (f.businessDate < opts.from || f.businessDate > opts.to) continue;
            const fire = await launcher.queue(flow, `backfill:${t.key}`, f);
            if (fire) queued.push({ at: f.local, businessDate: f.businessDate, trigger: t.key });
          }
        }
      });
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
      const rows = await withFires(opts, async (fires) => {
        const out = [];
        for (const flow of [...project.flows.values()].filter((f) => f.schedule).sort((a, b) => a.name.localeCompare(b.name))) {
          const s = flow.schedule!;
          const [last] = await fires.list(flow.name, 1);
          out.push({
            flow: flow.name, paused: await fires.isPaused(flow.name), triggers: s.triggers.map((t) => t.key), overlap: s.overlap,
            catchup: s.catchup.policy, lastFire: last ? { at: new Date(last.at).toISOString(), state: last.state, run: last.runId } : null,
          });
        }
        return out;
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else {
        process.stdout.write(table(['FLOW', 'STATE', 'TRIGGERS', 'OVERLAP', 'CATCH-UP', 'LAST FIRE'], rows.map((r) => [
          r.flow, r.paused ? 'paused' : 'active', r.triggers.join(', '), r.overlap, r.catchup,
          r.lastFire ? `${r.lastFire.at} ${r.lastFire.state}${r.lastFire.run ? ` (run ${r.lastFire.run})` : ''}` : '-',
        ])));
      }
    }));

  program.command('fires <flow>')
    .description("a flow's recent trigger fires: when, which trigger, what became of them")
    .option('-d, --dir <dir>', 'project directory')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(action(async (flowName: string, opts: { dir?: string; limit: string; json?: boolean }) => {
      const list = await withFires(opts, (fires) => fires.list(flowName, parsePositiveInt(opts.limit, '--limit')));
      if (opts.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else {
        process.stdout.write(table(['AT', 'TRIGGER', 'BUSINESS DATE', 'STATE', 'RUN', 'REASON'], list.map((f) => [
          time(f.at), f.triggerKey, f.businessDate ?? '-', f.state, f.runId === null ? '-' : String(f.runId), f.reason ?? '',
        ])));
      }
    }));
}
