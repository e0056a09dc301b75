/**
 * `ordo validate DIR`: every problem of every definition file (flows, ordo.yaml, workflows and actions) at
 * once, `file:line:column: CODE message`.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { formatDiagnostic } from '../../defs/diagnostics.js';
import { loadProject } from '../../defs/load.js';
import { formatDiagnostic as formatLangDiagnostic } from '../../lang/diagnostics.js';
import { checkWorkflowJobs, compileProjectSources } from '../../wf/project.js';
import { OrdoError } from '../../errors.js';
import { action, projectDir } from '../context.js';

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
      const loaded = await loadProject(dir);
      const { project } = loaded;
      // The workflow and action files are checked too, and the flows' workflow jobs against them.
      const wf = compileProjectSources(dir);
      const diagnostics = [...loaded.diagnostics, ...(project ? checkWorkflowJobs(project.flows.values(), wf.workflows) : [])];
      const wfErrors = wf.diagnostics.filter((d) => d.severity === 'error').length;
      if (opts.json) {
        const wfDiags = wf.diagnostics.map((d) => ({ code: d.code, message: d.message, severity: d.severity, at: { file: d.span.file, line: d.span.line, column: d.span.col } }));
        process.stdout.write(`${JSON.stringify([...diagnostics, ...wfDiags])}\n`);
      } else {
        for (const d of diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
        for (const d of wf.diagnostics) process.stdout.write(`${formatLangDiagnostic(d)}\n`);
      }
      const errors = diagnostics.filter((d) => d.severity === 'error').length + wfErrors;
      if (!project || errors > 0) {
        if (!opts.json) process.stderr.write(`${errors} error(s)\n`);
        return 2;
      }
      if (!opts.json) {
        const jobs = [...project.flows.values()].reduce((n, f) => n + f.jobs.length, 0);
        const workflows = wf.workflows.size > 0 ? `, ${wf.workflows.size} workflow(s), ${wf.actions.size} action(s)` : '';
        process.stdout.write(`ok: ${project.flows.size} flow(s), ${jobs} job(s)${workflows}\n`);
      }
      return 0;
    }));
}
