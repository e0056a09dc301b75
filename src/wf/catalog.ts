/**
 * The engine's view of compiled workflows and actions: what was registered in this process (the current
 * versions) and, for anything else, the latest version in the store. Versions are immutable, so a program
 * read by id is cached for good; a run always executes the version it started with.
 */
import type { CompileResult } from '../lang/compile.js';
import { fingerprint } from '../lang/fingerprint.js';
import type { ActionDef, CompiledWorkflow } from '../lang/program.js';
import { OrdoError } from '../errors.js';
import type { WfStore } from './store.js';

export interface Registered {
  kind: 'workflow' | 'action';
  name: string;
  version: number;
  versionId: number;
  /** False when an identical version was already stored. */
  created: boolean;
}

export class Catalog {
  private readonly programs = new Map<number, CompiledWorkflow>();
  private readonly currentWorkflows = new Map<string, number>();
  private readonly currentActions = new Map<string, ActionDef>();

  constructor(private readonly store: WfStore) {}

  /** Stores every workflow and action of a compile result as a version and makes them current here. */
  async register(compiled: Pick<CompileResult, 'workflows' | 'actions'>, at: number): Promise<Registered[]> {
    const out: Registered[] = [];
    for (const [name, def] of compiled.actions) {
      const v = await this.store.saveVersion('action', name, fingerprint(def), def, at);
      this.currentActions.set(name, def);
      out.push({ kind: 'action', name, version: v.version, versionId: v.id, created: v.created });
    }
    for (const [name, program] of compiled.workflows) {
      const v = await this.store.saveVersion('workflow', name, fingerprint(program), program, at);
      this.programs.set(v.id, program);
      this.currentWorkflows.set(name, v.id);
      out.push({ kind: 'workflow', name, version: v.version, versionId: v.id, created: v.created });
    }
    return out;
  }

  /** The version a new run of `name` starts with: registered here, else the latest stored. */
  async workflow(name: string): Promise<{ versionId: number; program: CompiledWorkflow }> {
    const id = this.currentWorkflows.get(name);
    if (id !== undefined) return { versionId: id, program: this.programs.get(id)! };
    const latest = await this.store.latestVersion('workflow', name);
    if (!latest) throw new OrdoError('ORDO_NOT_FOUND', `workflow ${name} has not been compiled (ordo compile)`);
    const program = latest.body as CompiledWorkflow;
    this.programs.set(latest.id, program);
    this.currentWorkflows.set(name, latest.id);
    return { versionId: latest.id, program };
  }

  async program(versionId: number): Promise<CompiledWorkflow> {
    const hit = this.programs.get(versionId);
    if (hit) return hit;
    const v = await this.store.getVersion(versionId);
    if (v.kind !== 'workflow') throw new OrdoError('ORDO_NOT_FOUND', `version ${versionId} is not a workflow`);
    const program = v.body as CompiledWorkflow;
    this.programs.set(versionId, program);
    return program;
  }

  /** An action's definition (retry, timeout, command): registered here, else the latest stored. */
  async action(name: string): Promise<ActionDef | undefined> {
    const hit = this.currentActions.get(name);
    if (hit) return hit;
    const latest = await this.store.latestVersion('action', name);
    if (!latest) return undefined;
    const def = latest.body as ActionDef;
    this.currentActions.set(name, def);
    return def;
  }

  /** Actions registered in this process (for command workers). */
  get actions(): ReadonlyMap<string, ActionDef> {
    return this.currentActions;
  }
}
