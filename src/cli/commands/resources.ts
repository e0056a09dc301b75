/**
 * Resources and dispatch from the command line: gates, connectors, the slot limit, and the two questions
 * operators ask most: why is this job not running (`ordo why`), and when will the run be done (`ordo forecast`).
 */
import { suggest } from '../../suggest.js';
import type { Command } from 'commander';
import { explainTask } from '../../engine/explain.js';
import { forecastRun, type Forecast } from '../../engine/forecast.js';
import { catalogOf, connectorResource, lockResource } from '../../engine/resources.js';
import { OrdoError } from '../../errors.js';
import { hostLoad } from '../../server/load.js';
import { ownerAlive } from '../../server/owner.js';
import { DEFAULT_LEASE_MS } from '../../server/runtime.js';
import { action, parsePositiveInt, parseRunId, projectDir, READ_ONLY, settingsOrDefaults, withStore } from '../context.js';
import { table } from '../format.js';

const actor = () => process.env.USER ?? 'operator';


async function knownGate(dir: string, name: string): Promise<void> {
  const settings = await settingsOrDefaults(dir);
  if (!settings.gates.has(name)) {
    const known = [...settings.gates.keys()].sort().join(', ') || 'none';
    throw new OrdoError('ORDO_NOT_FOUND', `gate "${name}" is not declared in ordo.yaml${suggest(name, settings.gates.keys())} (gates: ${known})`);
  }
}

async function knownConnector(dir: string, name: string): Promise<void> {
  const settings = await settingsOrDefaults(dir);
  if (!settings.connectors.has(name)) {
    const known = [...settings.connectors.keys()].sort().join(', ') || 'none';
    throw new OrdoError('ORDO_NOT_FOUND', `connector "${name}" is not declared in ordo.yaml${suggest(name, settings.connectors.keys())} (connectors: ${known})`);
  }
}

export function registerResourceCommands(program: Command): void {
  const gate = program.command('gate').description('open or close a gate (a lock that holds the jobs needing it while closed)');
  for (const [verb, closed] of [['open', false], ['close', true]] as const) {
    gate.command(`${verb} <name>`)
      .option('-d, --dir <dir>', 'project directory')
      .option('-r, --reason <text>', 'why (kept in the event log)')
      .action(action(async (name: string, opts: { dir?: string; reason?: string }) => {
        await knownGate(projectDir(opts), name);
        await withStore(opts, (s) => s.setResourceClosed(lockResource(name), closed, opts.reason ?? null, actor(), Date.now()));
        process.stdout.write(`gate ${name} ${closed ? 'closed' : 'opened'}\n`);
      }));
  }

  const connector = program.command('connector').description('block or unblock a connector');
  for (const [verb, closed] of [['block', true], ['unblock', false]] as const) {
    connector.command(`${verb} <name>`)
      .option('-d, --dir <dir>', 'project directory')
      .option('-r, --reason <text>', 'why (shown by `ordo why` and kept in the event log)')
      .action(action(async (name: string, opts: { dir?: string; reason?: string }) => {
        await knownConnector(projectDir(opts), name);
        await withStore(opts, (s) => s.setResourceClosed(connectorResource(name), closed, opts.reason ?? null, actor(), Date.now()));
        process.stdout.write(`connector ${name} ${closed ? 'blocked' : 'unblocked'}\n`);
      }));
  }

  program.command('resources')
    .description('gates, connectors and locks: their state and who holds them')
    .option('-d, --dir <dir>', 'project directory')
    .option('--json', 'print JSON')
    .action(action(async (opts: { dir?: string; json?: boolean }) => {
      const view = await withStore(opts, (s) => s.resourceView(), READ_ONLY);
      const names = new Set([...view.states.keys(), ...view.holds.map((h) => h.resource)]);
      const rows = [...names].sort().map((name) => {
        const st = view.states.get(name);
        const holders = view.holds.filter((h) => h.resource === name).map((h) => `run ${h.runId} ${h.job} (${h.mode})`);
        return { name, closed: st?.closed ?? false, reason: st?.reason ?? null, holders };
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else {
        process.stdout.write(table(['RESOURCE', 'STATE', 'HELD BY'], rows.map((r) => [
          r.name, r.closed ? `${r.name.startsWith('connector:') ? 'blocked' : 'closed'}${r.reason ? `: ${r.reason}` : ''}` : 'open',
          r.holders.join(', ') || '-',
        ])));
      }
    }));

  program.command('set <name> <value>')
    .description('change a runtime setting of every engine on this store (max-parallel N)')
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (name: string, value: string, opts: { dir?: string }) => {
      if (name !== 'max-parallel') throw new OrdoError('ORDO_BAD_ARGUMENT', `unknown setting "${name}" (settings: max-parallel)`);
      const n = parsePositiveInt(value, 'max-parallel');
      await withStore(opts, (s) => s.setSetting('maxParallel', String(n), Date.now()));
      process.stdout.write(`max-parallel set to ${n}; engines apply it within their poll interval\n`);
    }));

  program.command('why <run> <job>')
    .description('why a job is not running: the dependency, lock, gate, connector, slot, load or priority that holds it')
    .option('-d, --dir <dir>', 'project directory')
    .option('--json', 'print JSON')
    .action(action(async (runText: string, job: string, opts: { dir?: string; json?: boolean }) => {
      const settings = await settingsOrDefaults(projectDir(opts));
      const e = await withStore(opts, async (s) => explainTask(s, parseRunId(runText), job, {
        catalog: catalogOf(settings), maxParallel: Number(await s.getSetting('maxParallel')) || settings.maxParallel,
        now: Date.now(), load: hostLoad().loadPerCore, agingMs: settings.agingMs, defaultEstimateMs: settings.defaultEstimateMs,
        ownerAlive: (run) => ownerAlive(run, Date.now(), DEFAULT_LEASE_MS),
      }), READ_ONLY);
      process.stdout.write(opts.json ? `${JSON.stringify(e)}\n` : `run ${e.run} ${e.job} is ${e.state}: ${e.text}\n`);
    }));

  program.command('forecast <run>')
    .description('expected start and end of each job and of the run, and the jobs expected to miss their deadline')
    .option('-d, --dir <dir>', 'project directory')
    .option('--json', 'print JSON')
    .action(action(async (runText: string, opts: { dir?: string; json?: boolean }) => {
      const settings = await settingsOrDefaults(projectDir(opts));
      const f = await withStore(opts, async (s) => forecastRun(s, parseRunId(runText), {
        catalog: catalogOf(settings), maxParallel: Number(await s.getSetting('maxParallel')) || settings.maxParallel,
        now: Date.now(), defaultEstimateMs: settings.defaultEstimateMs,
      }), READ_ONLY);
      printForecast({ ...f, late: f.late.map((j) => j.job) }, !!opts.json);
    }));
}

/** A forecast as `ordo forecast` prints it (here and against a server); a run that has ended reports its real end. */
export function printForecast(f: Omit<Forecast, 'late'> & { late: string[] }, json: boolean): void {
  const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());
  if (json) {
    process.stdout.write(`${JSON.stringify({
      run: f.run, end: iso(f.end), ended: f.ended, state: f.state,
      jobs: f.jobs.map((j) => ({ job: j.job, state: j.state, start: iso(j.start), end: iso(j.end), known: j.known, deadline: iso(j.deadline), late: j.late })),
      late: f.late,
    })}\n`);
    return;
  }
  process.stdout.write(f.ended ? `run ${f.run} has ended: ${f.state} at ${iso(f.end)} (what happened, not a forecast)\n`
    : `run ${f.run}: expected to end at ${iso(f.end)}\n`);
  process.stdout.write(table(['JOB', 'STATE', 'START', 'END', 'DEADLINE'], f.jobs.map((j) => [
    j.job, j.state, `${iso(j.start) ?? '-'}${j.known || j.start === null ? '' : ' ~'}`, `${iso(j.end) ?? '-'}${j.known || j.end === null ? '' : ' ~'}`,
    j.deadline === undefined || j.deadline === null ? '-' : `${iso(j.deadline)}${j.late ? ' LATE' : ''}`,
  ])));
  if (f.late.length) process.stdout.write(`expected to miss their deadline: ${f.late.join(', ')}\n`);
}
