/**
 * `ordo validate DIR`: every problem of every definition file (flows, ordo.yaml, workflows and actions) at
 * once, `file:line:column: CODE message`. Where the project has a store (SQLite under its state directory,
 * or DATABASE_URL), a secret the files name and the store does not hold is a warning (ORDO_UNKNOWN_SECRET).
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { checkProject } from '../../server/project-check.js';
import { OrdoError } from '../../errors.js';
import { action, projectDir, READ_ONLY, requireProject, withStore } from '../context.js';
import { formatDiagnostic, type Diagnostic } from '../../defs/diagnostics.js';
import type { HostDef } from '../../defs/model.js';
import { masterKeyFrom } from '../../secrets/master-key.js';
import { listSecrets, revealSecrets } from '../../secrets/vault.js';
import { sqliteFileOf, stateDirFor } from '../../store/open.js';
import { existsSync } from 'node:fs';
import { checkSshKeySecrets, hostsWithKeySecrets } from '../../server/ssh-key-secrets.js';

/** Checks `key: ${{ secrets.NAME }}` of SSH hosts against the store this project uses (read only; created never). */
async function keySecretDiagnostics(hosts: Map<string, HostDef>, dir: string): Promise<Diagnostic[]> {
  if (hostsWithKeySecrets(hosts).length === 0) return [];
  const masterKey = masterKeyFrom(process.env);
  return withStore({ dir }, async (store) => {
    const names = new Set((await listSecrets(store.sql)).map((s) => s.name));
    return checkSshKeySecrets(hosts, names, masterKey ? (n) => revealSecrets(store.sql, masterKey, n) : undefined);
  }, READ_ONLY);
}

export function registerValidateCommand(program: Command): void {
  program.command('validate [dir]')
    .description('check the definitions of a project; exit 2 when any has an error')
    .option('-d, --dir <dir>', 'project directory (or give it as the argument)')
    .option('--json', 'print the diagnostics as JSON')
    .action(action(async (dirArg: string | undefined, opts: { json?: boolean; dir?: string }) => {
      if (dirArg && opts.dir && resolve(dirArg) !== resolve(opts.dir)) {
        throw new OrdoError('ORDO_BAD_ARGUMENT', `two project directories given: ${dirArg} and --dir ${opts.dir}`);
      }
      const dir = dirArg ? resolve(dirArg) : projectDir(opts);
      requireProject(dir);
      const stored = await storedSecretNames(dir);
      const checked = await checkProject(dir, dirArg ?? opts.dir ?? process.env.ORDO_PROJECT ?? '.', stored);
      const { project, workflows } = checked;
      // What the files alone cannot tell: whether the secrets SSH hosts log in with are set and are keys.
      const secrets = project ? await keySecretDiagnostics(project.settings.hosts, dir) : [];
      const diagnostics = [...checked.diagnostics, ...secrets.map((d) => ({ ...d, text: formatDiagnostic(d) }))];
      const ok = checked.ok && !secrets.some((d) => d.severity === 'error');
      if (opts.json) process.stdout.write(`${JSON.stringify(diagnostics.map(({ text: _text, ...d }) => d))}\n`);
      else for (const d of diagnostics) process.stdout.write(`${d.text}\n`);
      if (!project || !ok) {
        if (!opts.json) process.stderr.write(`${diagnostics.filter((d) => d.severity === 'error').length} error(s)\n`);
        return 2;
      }
      if (!opts.json) {
        const jobs = [...project.flows.values()].reduce((n, f) => n + f.jobs.length, 0);
        const wf = workflows.workflows.size > 0 ? `, ${workflows.workflows.size} workflow(s), ${workflows.actions.size} action(s)` : '';
        process.stdout.write(`ok: ${project.flows.size} flow(s), ${jobs} job(s)${wf}\n`);
      }
      return 0;
    }));
}

/** The secret names of the project's store; none checked where there is no store yet, or it cannot be read (said on stderr). */
async function storedSecretNames(dir: string): Promise<Set<string> | undefined> {
  if (!process.env.DATABASE_URL && !existsSync(sqliteFileOf(resolve(stateDirFor(dir))))) return undefined;
  try {
    return new Set((await withStore({ dir }, (s) => listSecrets(s.sql), READ_ONLY)).map((r) => r.name));
  } catch (err) {
    process.stderr.write(`secrets not checked: ${(err as Error).message}\n`);
    return undefined;
  }
}
