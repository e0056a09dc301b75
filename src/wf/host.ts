/**
 * Wiring for one process that runs workflows (`ordo call`, `ordo wf resume`, the flow executor): a
 * WorkflowEngine on the store, and an in-process Worker that implements the project's command actions
 * and whatever worker modules are given. The engine and the language core stay free of process APIs;
 * this file is where they meet the machine.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SystemClock } from '../engine/clock.js';
import type { Clock } from '../engine/ports.js';
import { OrdoError } from '../errors.js';
import { contains } from '../lang/contains.js';
import type { JsonObject } from '../lang/json.js';
import type { CompileResult } from '../lang/compile.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { announceCommands, commandActions } from '../worker/command.js';
import { Worker, type ActionHandler } from '../worker/worker.js';
import { WorkflowEngine } from './driver.js';
import { WfStore } from './store.js';

export interface HostOptions {
  store: OrdoStore;
  projectDir: string;
  stateDir: string;
  /** The project's compiled workflows and actions, registered as the current versions. */
  compiled?: Pick<CompileResult, 'workflows' | 'actions'>;
  /** JS modules whose default export is `(worker) => void` or `{ action: handler, ... }`. */
  workerModules?: string[];
  clock?: Clock;
  /** This process's identity (`host/pid/nonce`, server/owner.ts) and how to tell a dead one. */
  owner: string;
  isOwnerDead: (owner: string) => boolean;
  pollMs?: number;
  leaseMs?: number;
  /** Tasks of each command action run at once. */
  commandSlots?: number;
  /**
   * What this process is, as a worker (a server's `--labels`): command actions whose config asks for labels
   * these do not contain are left to remote workers. Undefined: every command action runs here (`ordo call`).
   */
  labels?: JsonObject;
  env?: Record<string, string>;
}

export interface WfHost {
  engine: WorkflowEngine;
  worker: Worker;
  wf: WfStore;
  /** Actions this process can run (commands and worker modules). */
  implemented: Set<string>;
  /** Stores the workflows and actions as new versions (when changed) and serves the command actions among them. */
  reload(compiled: Pick<CompileResult, 'workflows' | 'actions'>): Promise<void>;
  close(): Promise<void>;
}

export async function openHost(opts: HostOptions): Promise<WfHost> {
  const wf = WfStore.of(opts.store);
  const clock = opts.clock ?? new SystemClock();
  const engine = new WorkflowEngine({
    store: wf, clock, owner: opts.owner, isOwnerDead: opts.isOwnerDead, pollMs: opts.pollMs ?? 250, leaseMs: opts.leaseMs ?? 15_000,
  });
  const worker = new Worker(engine, { pollMs: 1000 });
  const implemented = new Set<string>();
  const serve = async (compiled: Pick<CompileResult, 'workflows' | 'actions'>): Promise<void> => {
    const { commands, problems } = commandActions(compiled.actions);
    if (problems.length > 0) throw new OrdoError('ORDO_INVALID_PROJECT', problems.join('; '));
    if (opts.labels !== undefined) {
      for (const [name, def] of compiled.actions) if (def.config.labels && !contains(opts.labels, def.config.labels)) commands.delete(name);
    }
    await engine.register(compiled);
    announceCommands(worker, commands, { projectDir: opts.projectDir, workDir: join(opts.stateDir, 'wf-tasks'), env: opts.env }, opts.commandSlots ?? 4);
    for (const name of commands.keys()) implemented.add(name);
  };
  if (opts.compiled) await serve(opts.compiled);
  for (const m of opts.workerModules ?? []) for (const name of await loadWorkerModule(worker, resolve(opts.projectDir, m))) implemented.add(name);
  return {
    engine, worker, wf, implemented, reload: serve,
    async close() {
      await worker.stop();
      await engine.close({ release: true });
    },
  };
}

async function loadWorkerModule(worker: Worker, path: string): Promise<string[]> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `cannot load the worker module ${path}: ${(err as Error).message}`);
  }
  const before = new Set(worker.announced);
  const exported = mod.default;
  if (typeof exported === 'function') await (exported as (w: Worker) => unknown)(worker);
  else if (exported && typeof exported === 'object') {
    for (const [name, handler] of Object.entries(exported)) {
      if (typeof handler === 'function') worker.action(name, handler as ActionHandler);
    }
  } else throw new OrdoError('ORDO_BAD_ARGUMENT', `the worker module ${path} must export default a function (worker) => ... or an object of handlers`);
  return worker.announced.filter((a) => !before.has(a));
}

/** The compiled workflow files of a project, or an error listing their problems (for hosts opened lazily). */
export function compiledOrThrow(result: CompileResult, format: (d: CompileResult['diagnostics'][number]) => string): CompileResult {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new OrdoError('ORDO_INVALID_PROJECT', `the workflow files have errors:\n${errors.map(format).join('\n')}`);
  return result;
}
