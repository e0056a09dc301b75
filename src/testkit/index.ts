/**
 * The test kit: an engine on an in-memory SQLite store with a fake clock and a scripted executor, so
 * a test can run a flow, decide how each attempt ends, and move time, without processes or sleeping.
 *
 *   const kit = await createTestKit({ script: { load: [{ status: 'failed' }, { durationMs: 10 }] } });
 *   const { done } = await kit.start(await kit.flow(`flow: f\njobs:\n  load: { shell: "x", retries: 1 }\n`));
 *   await kit.clock.advance(60_000);
 *   const { run } = await done;   // run.state === 'succeeded'
 *
 * Pass `store` to run the same scenario on another backend (the integration suite does, on PostgreSQL).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FlowDef, Project } from '../defs/model.js';
import { formatDiagnostic } from '../defs/diagnostics.js';
import { loadProject } from '../defs/load.js';
import { flowFingerprint } from '../defs/version.js';
import type { RunSummary } from '../engine/active-run.js';
import { Engine } from '../engine/engine.js';
import type { ResourceCatalog } from '../engine/resources.js';
import type { EngineStore } from '../engine/store.js';
import { migrate } from '../store/migrate.js';
import { OrdoStore } from '../store/ordo-store.js';
import { SqliteConnection } from '../store/sqlite/connection.js';
import { FakeClock } from './fake-clock.js';
import { ScriptedExecutor, type Script } from './scripted-executor.js';

export { FakeClock, settle } from './fake-clock.js';
export { ScriptedExecutor, type Script, type Step } from './scripted-executor.js';

export interface TestKitOptions {
  script?: Script;
  /** Fake-clock duration of attempts without a script. */
  defaultMs?: number;
  maxParallel?: number;
  store?: EngineStore;
  owner?: string;
  /** Which owners count as dead, for adoption tests. */
  isOwnerDead?: (owner: string) => boolean;
  /** Connectors and gates (see `catalogOf` for a project's). */
  catalog?: ResourceCatalog;
  /** The host load per core the dispatcher sees (for `maxLoad`). */
  load?: () => number | undefined;
  agingMs?: number;
  pollMs?: number;
}

export interface TestKit {
  engine: Engine;
  clock: FakeClock;
  executor: ScriptedExecutor;
  store: EngineStore;
  /** Compiles flow files given as YAML text (the first flow is returned); throws with diagnostics. */
  flow(yaml: string, extraFiles?: Record<string, string>): Promise<FlowDef>;
  start(def: FlowDef, params?: Record<string, unknown>): Promise<{ runId: number; done: Promise<RunSummary> }>;
  /** Advances the clock until the run ends (bounded), then returns it. */
  finish(done: Promise<RunSummary>, stepMs?: number, maxSteps?: number): Promise<RunSummary>;
  close(): Promise<void>;
}

export async function memoryStore(): Promise<OrdoStore> {
  const db = new SqliteConnection(':memory:');
  await migrate(db);
  return new OrdoStore(db);
}

export async function compileFlows(files: Record<string, string>): Promise<Map<string, FlowDef>> {
  return (await compileProject(files)).flows;
}

/** Loads a whole project given as files (path -> YAML text); throws with the diagnostics when invalid. */
export async function compileProject(files: Record<string, string>): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'ordo-kit-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text);
    }
    const { project, diagnostics } = await loadProject(dir);
    if (!project) throw new Error(`flow definitions have errors:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
    return project;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function createTestKit(opts: TestKitOptions = {}): Promise<TestKit> {
  const clock = new FakeClock();
  const store = opts.store ?? (await memoryStore());
  const executor = new ScriptedExecutor(clock, opts.script, opts.defaultMs);
  const engine = new Engine({
    store, clock, executors: [executor], owner: opts.owner ?? 'testkit/1/0', maxParallel: opts.maxParallel ?? 100,
    isOwnerDead: opts.isOwnerDead, catalog: opts.catalog, loadProbe: opts.load, agingMs: opts.agingMs, pollMs: opts.pollMs,
  });
  clock.onIdle(() => engine.idle());
  let finished = false;
  return {
    engine, clock, executor, store,
    async flow(yaml, extraFiles = {}) {
      const flows = await compileFlows({ 'ordo.yaml': '', 'flow.yaml': yaml, ...extraFiles });
      const first = [...flows.values()][0];
      if (!first) throw new Error('no flow in the given YAML');
      return first;
    },
    async start(def, params = {}) {
      const run = await engine.createRun(def, flowFingerprint(def), params);
      return { runId: run.id, done: engine.drive(run.id) };
    },
    async finish(done, stepMs = 1000, maxSteps = 10_000) {
      let result: RunSummary | undefined;
      void done.then((r) => (result = r));
      for (let i = 0; i < maxSteps && !result; i++) await clock.advance(stepMs);
      if (!result) throw new Error(`run did not end within ${maxSteps} steps of ${stepMs} ms`);
      if (engine.error) throw engine.error;
      return result;
    },
    async close() {
      if (finished) return;
      finished = true;
      await engine.close();
      if (!opts.store) await store.close();
    },
  };
}
