/**
 * The definitions a server serves: loaded at start, replaced by `flows.reload` only when no file (flows,
 * ordo.yaml, workflows, actions) has an error; the workflows and actions are then stored as new versions
 * for the server's workflow engine (`onWorkflows`). A run keeps the version it started with either way.
 */
import type { FlowDef, Project } from '../defs/model.js';
import { OrdoError } from '../errors.js';
import { suggest } from '../suggest.js';
import { checkProject, type ProjectCheck } from '../server/project-check.js';

export class ProjectHolder {
  constructor(
    private project: Project,
    private readonly onWorkflows?: (compiled: ProjectCheck['workflows']) => Promise<void>,
    /** The names of the secrets the store holds: files naming others get a warning. */
    private readonly secretNames?: () => Promise<ReadonlySet<string>>,
  ) {}

  get current(): Project {
    return this.project;
  }

  get dir(): string {
    return this.project.dir;
  }

  flow(name: string): FlowDef {
    const flow = this.project.flows.get(name);
    if (!flow) {
      const known = [...this.project.flows.keys()].sort().join(', ') || 'none';
      throw new OrdoError('ORDO_NOT_FOUND', `flow "${name}" is not defined${suggest(name, this.project.flows.keys())} (flows: ${known})`);
    }
    return flow;
  }

  /** Reads the files again; serves them when they have no error. */
  async reload(): Promise<ProjectCheck> {
    const result = await checkProject(this.project.dir, '.', await this.secretNames?.());
    if (result.ok && result.project) {
      await this.onWorkflows?.(result.workflows);
      this.project = result.project;
    }
    return result;
  }

  /** Reads the files without serving them. */
  async check(): Promise<ProjectCheck> {
    return checkProject(this.project.dir, '.', await this.secretNames?.());
  }
}
