/**
 * The definitions a server serves: loaded at start, replaced by `flows.reload` only when the files have no
 * error (a run keeps the version it started with either way).
 */
import { loadProject, type LoadResult } from '../defs/load.js';
import type { FlowDef, Project } from '../defs/model.js';
import { OrdoError } from '../errors.js';

export class ProjectHolder {
  constructor(private project: Project) {}

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
      throw new OrdoError('ORDO_NOT_FOUND', `flow "${name}" is not defined (flows: ${known})`);
    }
    return flow;
  }

  /** Reads the files again; serves them when they have no error. */
  async reload(): Promise<LoadResult> {
    const result = await loadProject(this.project.dir);
    if (result.project) this.project = result.project;
    return result;
  }

  /** Reads the files without serving them. */
  async check(): Promise<LoadResult> {
    return loadProject(this.project.dir);
  }
}
