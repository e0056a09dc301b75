/**
 * The trigger scheduler of a server. Plan and cron triggers wait in a timer heap; gates, other flows' run
 * ends and files are polled. Every fire goes through the Launcher, which records it durably before its run
 * starts. On start it catches up what was missed while no scheduler ran (per each flow's catch-up policy),
 * completes fires a crash interrupted, and starts queued fires whose flow is free.
 */
import { stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { FlowDef, TriggerDef } from '../defs/model.js';
import type { Clock } from '../engine/ports.js';
import type { FireStore } from '../store/fires.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { lockResource } from '../engine/resources.js';
import { matchingFiles } from './files.js';
import type { Launcher } from './launcher.js';
import { catchupInstants, type Instant } from './policy.js';
import { TimerHeap, type Due } from './timer-heap.js';

/** What a plan or cron trigger needs from the time layer. */
export interface PlanSource {
  next(afterMs: number): Instant | undefined;
  between(fromMs: number, toMs: number, limit: number): Instant[];
}

export interface SchedulerOptions {
  store: OrdoStore;
  fires: FireStore;
  launcher: Launcher;
  clock: Clock;
  flows: Map<string, FlowDef>;
  /** The plan behind a `plan:` or `cron:` trigger (from the project's plans and calendars). */
  planOf: (trigger: TriggerDef, flow: FlowDef) => PlanSource | undefined;
  /** The project directory, for relative `file:` trigger paths. */
  projectDir: string;
  /** How often gates, run ends, files and queued fires are looked at. */
  pollMs?: number;
  random?: () => number;
  onError?: (err: Error) => void;
}

interface PlanEntry {
  flow: FlowDef;
  trigger: TriggerDef;
  plan: PlanSource;
  instant: Instant;
}

/** The local date of an instant (the server's time zone): the business date of event-driven fires. */
function businessDateOf(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export class TriggerScheduler {
  private readonly heap: TimerHeap<PlanEntry>;
  private pollTimer: ReturnType<Clock['setTimer']> | null = null;
  private eventWatermark = 0;
  private readonly gateSeen = new Map<string, number | null>();
  private readonly fileSeen = new Map<string, { size: number; mtime: number; since: number }>();
  private stopped = false;
  private work: Promise<void> = Promise.resolve();

  constructor(private readonly opts: SchedulerOptions) {
    this.heap = new TimerHeap(opts.clock, (due) => this.enqueue(() => this.fireDue(due)));
  }

  /** Serialises all scheduler work: fires are processed one after another, in time order. */
  private enqueue(fn: () => Promise<void>): void {
    this.work = this.work.then(fn).catch((err: Error) => this.opts.onError?.(err));
  }

  async start(): Promise<void> {
    const { launcher, fires, flows, clock } = this.opts;
    await launcher.recover(flows);
    const now = clock.now();
    for (const flow of flows.values()) {
      for (const trigger of flow.schedule?.triggers ?? []) {
        if (trigger.kind !== 'plan' && trigger.kind !== 'cron') continue;
        const plan = this.opts.planOf(trigger, flow);
        if (!plan) continue;
        const last = await fires.lastAt(flow.name, trigger.key);
        if (last !== undefined) {
          const c = flow.schedule!.catchup;
          const missed = plan.between(last + 1, now, 100_000);
          for (const instant of catchupInstants(c.policy, missed, now, c.windowMs, c.max)) await launcher.fire(flow, trigger.key, instant);
        }
        this.schedule(flow, trigger, plan, now);
      }
    }
    this.eventWatermark = await fires.lastEventId();
    const view = await this.opts.store.resourceView();
    for (const flow of flows.values()) {
      for (const t of flow.schedule?.triggers ?? []) {
        if (t.kind === 'gate') this.gateSeen.set(t.gate, view.states.get(lockResource(t.gate))?.closed === false ? view.states.get(lockResource(t.gate))!.updatedAt : null);
      }
    }
    await launcher.drain(flows);
    this.pollLater();
  }

  private schedule(flow: FlowDef, trigger: TriggerDef, plan: PlanSource, after: number): void {
    const instant = plan.next(after);
    if (!instant) return;
    const jitter = flow.schedule?.jitterMs ? Math.floor((this.opts.random ?? Math.random)() * flow.schedule.jitterMs) : 0;
    this.heap.push(instant.at + jitter, { flow, trigger, plan, instant });
  }

  private async fireDue(due: Array<Due<PlanEntry>>): Promise<void> {
    for (const { item } of due.sort((a, b) => a.item.instant.at - b.item.instant.at)) {
      if (this.stopped) return;
      await this.opts.launcher.fire(item.flow, item.trigger.key, item.instant);
      this.schedule(item.flow, item.trigger, item.plan, item.instant.at);
    }
  }

  private pollLater(): void {
    if (this.stopped) return;
    this.pollTimer = this.opts.clock.setTimer(this.opts.pollMs ?? 1000, () => this.enqueue(async () => {
      await this.poll();
      this.pollLater();
    }));
  }

  /** Gates that opened, runs that ended (for `after:` triggers and queued fires), files that appeared. */
  async poll(): Promise<void> {
    const { flows, fires, launcher, store, clock } = this.opts;
    const now = clock.now();
    const gated = [...flows.values()].flatMap((f) => (f.schedule?.triggers ?? []).filter((t) => t.kind === 'gate').map((t) => ({ f, t })));
    if (gated.length) {
      const view = await store.resourceView();
      for (const { f, t } of gated) {
        if (t.kind !== 'gate') continue;
        const st = view.states.get(lockResource(t.gate));
        const openedAt = st && !st.closed ? st.updatedAt : null;
        // One fire per opening: the instant is when the gate was opened, so racing schedulers agree.
        if (openedAt !== null && openedAt !== this.gateSeen.get(t.gate)) {
          await launcher.fire(f, t.key, { at: openedAt, businessDate: businessDateOf(openedAt) });
        }
        this.gateSeen.set(t.gate, openedAt);
      }
    }
    const ends = await fires.runEndsSince(this.eventWatermark);
    for (const end of ends) {
      this.eventWatermark = end.id;
      const run = await store.getRun(end.runId);
      if (!run) continue;
      const state = end.kind.slice('run_'.length);
      for (const flow of flows.values()) {
        for (const t of flow.schedule?.triggers ?? []) {
          if (t.kind !== 'after' || t.flow !== run.flow || !(t.states as string[]).includes(state)) continue;
          await launcher.fire(flow, `${t.key}#${run.id}`, { at: end.at, businessDate: run.businessDate ?? businessDateOf(end.at) });
        }
      }
    }
    for (const flow of flows.values()) {
      for (const t of flow.schedule?.triggers ?? []) if (t.kind === 'file') await this.pollFiles(flow, t, now);
    }
    await launcher.drain(flows);
  }

  private async pollFiles(flow: FlowDef, t: Extract<TriggerDef, { kind: 'file' }>, now: number): Promise<void> {
    for (const path of await matchingFiles(this.opts.projectDir, t.path)) {
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      const key = `${flow.name}\0${path}`;
      const seen = this.fileSeen.get(key);
      const mtime = Math.round(st.mtimeMs);
      if (!seen || seen.size !== st.size || seen.mtime !== mtime) {
        this.fileSeen.set(key, { size: st.size, mtime, since: now });
        continue;
      }
      // The file stopped changing for the settle time: it fires once per version (path and mtime).
      // Named relative to the project in the fire's key: `ordo fires` and API clients see it, and they have
      // no business knowing where the server keeps the project.
      const shown = relative(this.opts.projectDir, path).split(sep).join('/');
      if (now - seen.since >= t.settleMs) await this.opts.launcher.fire(flow, `${t.key}#${shown}`, { at: mtime, businessDate: businessDateOf(now) });
    }
  }

  /** Resolves when the work queued so far is done (tests on a fake clock wait for this). */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.work;
      await current;
    } while (current !== this.work);
  }

  /** Waits for the work in progress; no new fires after this. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.heap.clear();
    if (this.pollTimer) this.opts.clock.clearTimer(this.pollTimer);
    await this.work;
  }

  /** For tests and `ordo schedules`: the next instant of each plan trigger, earliest first. */
  get pending(): number {
    return this.heap.size;
  }
}
