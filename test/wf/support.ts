/**
 * The workflow test kit: a WorkflowEngine and an in-process Worker on a real store (SQLite in a file or
 * PostgreSQL, see test/support/backends.ts, or SQLite in memory) with a fake clock, and helpers to
 * compile inline sources and run a workflow to its end while time moves only when everything is idle.
 */
import type { JsonObject } from '../../src/lang/json.js';
import type { OrdoStore } from '../../src/store/ordo-store.js';
import { SystemClock } from '../../src/engine/clock.js';
import { FakeClock, memoryStore, settle } from '../../src/testkit/index.js';
import { WorkflowEngine } from '../../src/wf/driver.js';
import { WfStore } from '../../src/wf/store.js';
import type { RunEnd } from '../../src/wf/types.js';
import { Worker, type ActionHandler } from '../../src/worker/worker.js';
import { test } from 'node:test';
import { BACKENDS, type Backend } from '../support/backends.js';

import { mustCompile as compileOrThrow } from '../lang/support.js';

export { ADD_AC, CALLTEST_WF, dedent } from '../lang/support.js';
export { compileOrThrow };

export const add: ActionHandler = async (input) => ({ counter: Number(input.counter) + Number(input.step) });

export interface WfKit {
  /** The fake clock (unused by the engine with realClock). */
  clock: FakeClock;
  store: OrdoStore;
  wf: WfStore;
  engine: WorkflowEngine;
  worker: Worker;
  compile(sources: Record<string, string>): Promise<void>;
  /** Starts a run and advances the fake clock (in steps of stepMs) until it ends. */
  run(workflow: string, input: JsonObject, stepMs?: number): Promise<RunEnd & { id: number }>;
  finish(runId: number, stepMs?: number, maxSteps?: number): Promise<RunEnd>;
  close(): Promise<void>;
}

export interface KitOptions {
  owner?: string;
  isOwnerDead?: (owner: string) => boolean;
  /** Handlers the kit's worker announces (default: add). */
  actions?: Record<string, ActionHandler>;
  slots?: number;
  /** Run on the system clock (for real processes): `run` and `finish` just wait. */
  realClock?: boolean;
}

export async function wfKit(backend: Backend | 'memory', opts: KitOptions = {}): Promise<WfKit> {
  let store: OrdoStore;
  let release: () => Promise<void>;
  if (backend === 'memory') {
    store = await memoryStore();
    release = () => store.close();
  } else {
    const opened = await backend.open();
    store = opened.store;
    release = opened.release;
  }
  const clock = new FakeClock();
  const wf = WfStore.of(store);
  const engineClock = opts.realClock ? new SystemClock() : clock;
  const engine = new WorkflowEngine({ store: wf, clock: engineClock, owner: opts.owner ?? 'test/1/engine', isOwnerDead: opts.isOwnerDead });
  const worker = new Worker(engine, { name: 'test/1/worker', pollMs: 0 });
  for (const [name, handler] of Object.entries(opts.actions ?? { add })) worker.action(name, handler, { slots: opts.slots ?? 4 });
  clock.onIdle(async () => {
    for (let i = 0; i < 100; i++) {
      await engine.idle();
      await worker.idle();
      await settle(2);
      if (!engine.busy) break;
    }
  });
  const finish = async (runId: number, stepMs = 1000, maxSteps = 10_000): Promise<RunEnd> => {
    if (opts.realClock) return engine.result(runId);
    let end: RunEnd | undefined;
    let failure: unknown;
    engine.result(runId).then((e) => (end = e), (err: unknown) => (failure = err));
    await clock.advance(0);
    for (let i = 0; i < maxSteps && !end && failure === undefined; i++) await clock.advance(stepMs);
    if (failure !== undefined) throw failure as Error;
    if (engine.error) throw engine.error;
    if (!end) throw new Error(`W${runId} did not end within ${maxSteps} steps of ${stepMs} ms`);
    return end;
  };
  return {
    clock, store, wf, engine, worker,
    async compile(sources) {
      await engine.register(compileOrThrow(sources));
    },
    async run(workflow, input, stepMs) {
      const id = await engine.start(workflow, input);
      return { ...(await finish(id, stepMs)), id };
    },
    finish,
    async close() {
      await worker.stop();
      await engine.close();
      await release();
    },
  };
}

/** Declares the test once per backend (SQLite in a file, PostgreSQL), each with a fresh kit. */
export function eachBackend(name: string, fn: (kit: WfKit) => Promise<void>, opts: KitOptions = {}): void {
  for (const backend of BACKENDS) {
    test(`${name} [${backend.name}]`, async () => {
      const kit = await wfKit(backend, opts);
      try {
        await fn(kit);
      } finally {
        await kit.close();
      }
    });
  }
}
