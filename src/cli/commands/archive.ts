/**
 * `ordo archive [--dry-run] [--runs AGE] [--logs AGE]`: applies the retention policy of ordo.yaml (or the ages
 * given) now; the server does the same once a day (docs/retention.md).
 */
import type { Command } from 'commander';
import { parseDuration } from '../../defs/spec.js';
import type { RetentionPolicy } from '../../defs/retention.js';
import { OrdoError } from '../../errors.js';
import { applyRetention } from '../../retention/archiver.js';
import { action, projectDir, settingsOrDefaults, stateDir, withStore } from '../context.js';

function age(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 3_600_000) throw new OrdoError('ORDO_BAD_ARGUMENT', `${what} must be a duration of at least 1h such as 90d, got "${text}"`);
  return ms;
}

export function registerArchiveCommand(program: Command): void {
  program.command('archive')
    .description('archive and remove runs older than retention.runs, remove output older than retention.logs (ordo.yaml)')
    .option('-d, --dir <dir>', 'project directory')
    .option('--runs <age>', 'instead of retention.runs: archive runs that ended longer ago than this (90d)')
    .option('--logs <age>', 'instead of retention.logs: remove the output of runs that ended longer ago than this (30d)')
    .option('--dry-run', 'count what would be archived and removed; change nothing')
    .option('--json', 'print JSON')
    .action(action(async (opts: { dir?: string; runs?: string; logs?: string; dryRun?: boolean; json?: boolean }) => {
      const configured = (await settingsOrDefaults(projectDir(opts))).retention ?? {};
      const policy: RetentionPolicy = { runsMs: age(opts.runs, '--runs') ?? configured.runsMs, logsMs: age(opts.logs, '--logs') ?? configured.logsMs };
      if (policy.runsMs === undefined && policy.logsMs === undefined) {
        throw new OrdoError('ORDO_BAD_ARGUMENT', 'nothing to do: ordo.yaml has no retention (retention: { runs: 90d, logs: 30d }) and neither --runs nor --logs was given');
      }
      const report = await withStore(opts, (s) => applyRetention(s.sql, stateDir(opts), policy, Date.now(), { dryRun: opts.dryRun }));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(report)}\n`);
      const verb = opts.dryRun ? 'would archive' : 'archived';
      process.stdout.write(`${verb} ${report.archived} run(s)${report.files.length ? ` into ${report.files.length} file(s) under archive/` : ''}; ` +
        `${opts.dryRun ? 'would remove' : 'removed'} the output of ${report.logsRemoved} run(s)\n`);
    }));
}
