import type { JsonObject } from '../json.js';
import type { ActionDef, CompiledWorkflow } from '../program.js';
import type { Effect, Event } from './effects.js';
import type { RunError } from './errors.js';
import { callAction, type ActionHost, type ActionImpl } from './memory-actions.js';
import { MemoryClock } from './memory-clock.js';
import { EventBus } from './memory-events.js';
import { LockTable } from './memory-locks.js';
import { startRun, type RunState } from './state.js';
import { step } from './step.js';

export { ActionError, type ActionContext, type ActionImpl } from './memory-actions.js';

/**
 * An in-memory driver for tests: runs workflows to their end with in-process actions, child runs, a fake
 * clock (sleep, timeouts, retry intervals), events and locks. It follows the same protocol a durable
 * driver does: take a step, perform the effect, answer with an event. All state changes happen in one
 * loop; action completions and timers only queue events for it.
 */
export interface MemoryDriverOptions {
  workflows: ReadonlyMap<string, CompiledWorkflow>;
  actions?: ReadonlyMap<string, ActionDef>;
  impls?: Readonly<Record<string, ActionImpl>>;
  /** Stops a runaway test: total transitions across all runs. */
  maxTransitions?: number;
  /**
   * Pass every state through JSON.stringify/parse after each transition, as a durable driver's store
   * would: proves that nothing but JSON is needed to resume a run.
   */
  jsonRoundTrip?: boolean;
}

export interface RunRecord {
  id: string;
  program: CompiledWorkflow;
  state: RunState;
  /** The run waiting for this one (index: position among its children; seq: its effect). */
  parent: { runId: string; index: number | null; seq: number } | null;
  /** One entry per transition: `pc:op` then `-> effect` when one was produced. */
  trace: string[];
  /** Children this run waits for, and their results so far. */
  children: { seq: number; ids: string[]; results: Array<{ output: JsonObject } | { error: RunError } | undefined> } | null;
  /** Bumped at every effect, so a late answer to an older one is ignored. */
  seq: number;
  cancel: (() => void) | null;
}

export interface RunResult {
  runId: string;
  status: RunState['status'] | 'stuck';
  output: JsonObject | null;
  error: RunError | null;
  state: RunState;
}

export class MemoryDriver {
  readonly clock = new MemoryClock();
  readonly runs = new Map<string, RunRecord>();
  readonly events = new EventBus();
  readonly locks: LockTable;
  private readonly inbox: Array<{ runId: string; seq: number | null; event: Event }> = [];
  private readonly ready: string[] = [];
  private inflight = 0;
  private wake: (() => void) | null = null;
  private readonly actionHost: ActionHost;
  private nextId = 0;
  private transitions = 0;

  constructor(private readonly opts: MemoryDriverOptions) {
    this.actionHost = {
      clock: this.clock, impls: opts.impls, actions: opts.actions,
      answer: (rec, seq, event) => this.answer(rec as RunRecord, seq, event),
      busy: (delta) => {
        this.inflight += delta;
        this.wake?.();
      },
    };
    this.locks = new LockTable({
      ancestors: (id) => this.ancestors(id),
      waitsForRuns: (id) => this.runs.get(id)?.children?.ids.filter((c) => this.runs.get(c)?.state.status !== 'done') ?? [],
    });
  }

  /** Starts a run and drives everything until it ends (or nothing can move any more: `stuck`). */
  async run(workflow: string, input: JsonObject, env: JsonObject = {}): Promise<RunResult> {
    const started = this.start(workflow, input, env, null, 0);
    if ('error' in started) {
      return { runId: '', status: 'error', output: null, error: started.error, state: null as unknown as RunState };
    }
    await this.drive();
    const rec = this.runs.get(started.id) as RunRecord;
    const status = rec.state.status === 'done' || rec.state.status === 'error' ? rec.state.status : 'stuck';
    return { runId: rec.id, status, output: rec.state.output, error: rec.state.error, state: rec.state };
  }

  /** Queues an event from outside (e.g. `interrupt` to cancel or abort a run). */
  send(runId: string, event: Event): void {
    this.inbox.push({ runId, seq: null, event });
    this.wake?.();
  }

  start(workflow: string, input: JsonObject, env: JsonObject, parent: RunRecord['parent'], depth: number): { id: string } | { error: RunError } {
    const program = this.opts.workflows.get(workflow);
    if (!program) return { error: { msg: `no workflow named ${workflow}`, class: 'normal' } };
    const id = `run-${++this.nextId}`;
    const started = startRun(program, input, { ...env, job_id: id }, { depth });
    if ('error' in started) return started;
    this.runs.set(id, { id, program, state: started.state, parent, trace: [], children: null, seq: 0, cancel: null });
    this.ready.push(id);
    const timeout = program.config.timeout;
    if (timeout !== null) {
      this.clock.after(timeout, () => this.send(id, { kind: 'interrupt', error: { msg: `run timeout of ${timeout} s exceeded`, class: 'fatal' } }));
    }
    return { id };
  }

  async drive(): Promise<void> {
    for (;;) {
      const item = this.inbox.shift();
      if (item) {
        this.deliver(item.runId, item.seq, item.event);
        continue;
      }
      const id = this.ready.shift();
      if (id !== undefined) {
        this.advance(id);
        continue;
      }
      if (this.inflight > 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = null;
        continue;
      }
      if (!this.clock.fireNext()) return;
    }
  }

  private ancestors(id: string): string[] {
    const out: string[] = [];
    for (let p = this.runs.get(id)?.parent; p; p = this.runs.get(p.runId)?.parent) out.push(p.runId);
    return out;
  }

  /** Takes steps until the run waits or ends. */
  private advance(id: string): void {
    const rec = this.runs.get(id);
    while (rec && rec.state.status === 'running') {
      this.transition(rec, undefined);
    }
  }

  private deliver(id: string, seq: number | null, event: Event): void {
    const rec = this.runs.get(id);
    if (!rec || (seq !== null && seq !== rec.seq)) return;
    if (rec.state.status === 'done' || rec.state.status === 'error') return;
    if (event.kind !== 'interrupt' && rec.state.status !== 'waiting') return;
    rec.cancel?.();
    rec.cancel = null;
    rec.seq++;
    this.transition(rec, event);
    if (rec.state.status === 'running') this.ready.push(id);
  }

  private transition(rec: RunRecord, event: Event | undefined): void {
    if (++this.transitions > (this.opts.maxTransitions ?? 1_000_000)) throw new Error('memory driver: too many transitions');
    const before = rec.state.pc;
    const result = step(rec.program, rec.state, event);
    rec.state = this.opts.jsonRoundTrip ? (JSON.parse(JSON.stringify(result.state)) as RunState) : result.state;
    const op = rec.program.steps[before]?.op ?? '?';
    rec.trace.push(result.effect ? `${before}:${op} -> ${result.effect.kind}` : `${before}:${op}`);
    if (result.effect) this.perform(rec, result.effect);
  }

  /** Answers effect number `seq` of `rec` (ignored if the run has moved on by then). */
  private answer(rec: RunRecord, seq: number, event: Event): void {
    this.inbox.push({ runId: rec.id, seq, event });
    this.wake?.();
  }

  private perform(rec: RunRecord, effect: Effect): void {
    const seq = ++rec.seq;
    const reply = (event: Event): void => this.answer(rec, seq, event);
    switch (effect.kind) {
      case 'call_action': callAction(this.actionHost, rec, seq, effect.action, effect.input, 1); return;
      case 'start_child': {
        const child = this.start(effect.workflow, effect.input, {}, effect.wait ? { runId: rec.id, index: null, seq } : null, effect.depth);
        if ('error' in child) reply({ kind: effect.wait ? 'child_failed' : 'failed', error: child.error });
        else if (effect.wait) rec.children = { seq, ids: [child.id], results: [undefined] };
        else reply({ kind: 'child_started', run_id: child.id });
        return;
      }
      case 'start_children': {
        rec.children = { seq, ids: [], results: [] };
        effect.children.forEach((c, index) => {
          const child = this.start(c.workflow, c.input, {}, { runId: rec.id, index, seq }, effect.depth);
          (rec.children as NonNullable<RunRecord['children']>).ids.push('id' in child ? child.id : '');
          (rec.children as NonNullable<RunRecord['children']>).results.push('error' in child ? { error: child.error } : undefined);
        });
        this.childrenMaybeDone(rec);
        return;
      }
      case 'sleep': {
        const timer = this.clock.after(effect.seconds, () => reply({ kind: 'woken' }));
        rec.cancel = () => this.clock.cancel(timer);
        return;
      }
      case 'lock':
      case 'wait_for_lock': this.lock(rec, effect, reply); return;
      case 'unlock':
        reply(this.locks.release(rec.id, effect.type, effect.value) ? { kind: 'ack' }
          : { kind: 'failed', error: { msg: `lock ${effect.type} '${effect.value}' is not held by this run`, class: 'lock' } });
        return;
      case 'subscribe': this.events.subscribe(rec.id, effect.name, effect.mask); reply({ kind: 'ack' }); return;
      case 'unsubscribe': this.events.unsubscribe(rec.id, effect.name); reply({ kind: 'ack' }); return;
      case 'raise_event': this.events.raise(effect.event); reply({ kind: 'ack' }); return;
      case 'wait_for_event': {
        const timer = effect.timeout === null ? undefined : this.clock.after(effect.timeout, () => {
          this.events.cancelWait(rec.id);
          reply({ kind: 'event_timeout' });
        });
        rec.cancel = () => {
          this.clock.cancel(timer);
          this.events.cancelWait(rec.id);
        };
        this.events.wait(rec.id, effect.events, (event) => {
          this.clock.cancel(timer);
          reply({ kind: 'event_received', event });
        });
        return;
      }
      case 'done':
      case 'failed': this.ended(rec); return;
      default: {
        const never: never = effect;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }

  private lock(rec: RunRecord, effect: Extract<Effect, { kind: 'lock' | 'wait_for_lock' }>, reply: (event: Event) => void): void {
    const wait = effect.kind === 'lock' ? null : effect.wait;
    const outcome = this.locks.acquire({ runId: rec.id, type: effect.type, value: effect.value, inherit: effect.inherit, wait },
      () => reply({ kind: 'lock_acquired' }));
    if (outcome.kind === 'granted') reply({ kind: 'lock_acquired' });
    else if (outcome.kind === 'failed') reply({ kind: 'lock_failed', error: { msg: outcome.msg, class: 'lock' } });
    else {
      const timer = wait === null ? undefined : this.clock.after(wait, () => {
        this.locks.cancel(rec.id);
        reply({ kind: 'lock_failed', error: { msg: `waited ${wait} s for lock ${effect.type} '${effect.value}'`, class: 'timeout' } });
      });
      rec.cancel = () => {
        this.clock.cancel(timer);
        this.locks.cancel(rec.id);
      };
    }
  }

  private childrenMaybeDone(rec: RunRecord): void {
    const c = rec.children;
    if (!c || c.results.some((r) => r === undefined)) return;
    rec.children = null;
    this.answer(rec, c.seq, { kind: 'children_done', results: c.results as Array<{ output: JsonObject } | { error: RunError }> });
  }

  /** A run ended: free what it held and tell the parent that waits for it. */
  private ended(rec: RunRecord): void {
    this.locks.releaseAll(rec.id);
    this.events.dropRun(rec.id);
    const p = rec.parent;
    const parent = p ? this.runs.get(p.runId) : undefined;
    if (!p || !parent?.children || parent.children.seq !== p.seq) return;
    const result: { output: JsonObject } | { error: RunError } = rec.state.status === 'done'
      ? { output: rec.state.output ?? {} } : { error: rec.state.error as RunError };
    if (p.index === null) {
      parent.children = null;
      this.answer(parent, p.seq, 'output' in result ? { kind: 'child_done', output: result.output } : { kind: 'child_failed', error: result.error });
      return;
    }
    parent.children.results[p.index] = result;
    this.childrenMaybeDone(parent);
  }
}
