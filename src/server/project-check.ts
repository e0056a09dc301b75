/**
 * A whole project checked at once: the flow files and ordo.yaml (defs), the workflow and action files
 * (lang), and the flows' workflow jobs against the workflows. `ordo validate`, `flows.validate` and
 * `flows.reload` all use it, so they agree on what an error is.
 */
import { formatDiagnostic, type Diagnostic } from '../defs/diagnostics.js';
import { loadProject } from '../defs/load.js';
import { unsetSecrets } from '../defs/secret-uses.js';
import type { Project } from '../defs/model.js';
import { formatDiagnostic as formatLangDiagnostic } from '../lang/diagnostics.js';
import { checkWorkflowJobs, compileProjectSources } from '../wf/project.js';

/** A diagnostic of any definition file, in the definitions' shape (workflow files' codes are WF_*). */
export type ProjectDiagnostic = Omit<Diagnostic, 'code'> & { code: string; text: string };

export interface ProjectCheck {
  /** The flows, when their files have no error. */
  project?: Project;
  /** The compiled workflows and actions. */
  workflows: ReturnType<typeof compileProjectSources>;
  diagnostics: ProjectDiagnostic[];
  /** No error in any file. */
  ok: boolean;
}

/**
 * `shownAs` names the directory in a message about the directory itself ("." for a server's clients).
 * `secrets`, the names a store holds, adds a warning (ORDO_UNKNOWN_SECRET) where a file names another.
 */
export async function checkProject(dir: string, shownAs = '.', secrets?: ReadonlySet<string>): Promise<ProjectCheck> {
  const loaded = await loadProject(dir);
  // Clients of a server see paths relative to the project, never where the server keeps it.
  for (const d of loaded.diagnostics) {
    if (d.code === 'ORDO_NO_PROJECT') Object.assign(d, { at: { ...d.at, file: shownAs }, message: d.message.replace(` ${dir}:`, ` ${shownAs}:`) });
  }
  const workflows = compileProjectSources(dir);
  const defs = [...loaded.diagnostics, ...(loaded.project ? checkWorkflowJobs(loaded.project.flows.values(), workflows.workflows) : []),
    ...(secrets ? unsetSecrets(loaded.secretUses ?? [], secrets) : [])];
  const diagnostics: ProjectDiagnostic[] = [
    ...defs.map((d) => ({ ...d, text: formatDiagnostic(d) })),
    ...workflows.diagnostics.map((d) => ({
      code: d.code, message: d.message, severity: d.severity, at: { file: d.span.file, line: d.span.line, column: d.span.col }, text: formatLangDiagnostic(d),
    })),
  ];
  const ok = loaded.project !== undefined && !diagnostics.some((d) => d.severity === 'error');
  return { project: loaded.project, workflows, diagnostics, ok };
}
