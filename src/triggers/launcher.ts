/**
 * Turns a fire into a run, durably: the fire is recorded first (state `firing`), then the policies decide
 * (paused, one run per business date, overlap), then the run is created carrying the fire's id, then the
 * fire is marked `started`. A crash between the steps leaves a `firing` fire that `recover()` completes;
 * the run's fire id makes that idempotent. With a `guard` (the leader's fence, docs/servers.md) every write
 * checks it in its own transaction: the fire's insert, and the run's creation together with the fire's
 * `started`, so a server that lost the lead cannot add a fire or a run after its successor looked.
 */
import type { FlowDef } from '../defs/model.js';
import { resolveParams } from '../defs/params.js';
import { resolveVars } from '../defs/vars.js';
import { flowFingerprint } from '../defs/version.js';
import { abort } from '../engine/operator.js';
import type { FireRow, FireStore } from '../store/fires.js';
import type { OrdoStore } from '../store/ordo-store.js';
import type { Queryable } from '../store/port.js';
import { overlapAction, type Instant } from './policy.js';

export interface LauncherOptions {
  store: OrdoStore;
  fires: FireStore;
  now: () => number;
  /** Whether the owner of a run is alive (for aborting runs under cancel-previous). */
  ownerAlive: (run: { owner: string | null; heartbeatAt: number | null }) => boolean;
  /** Called with each run created. */
  onRun?: (runId: number, fire: FireRow) => void;
  /** Priority of runs started from backfill fires (below normal work). */
  backfillPriority?: number;
  /** Called first in the transaction of each write; throws to refuse it (the leader's fence). */
  guard?: (tx: Queryable) => Promise<void>;
}

export class Launcher {
  constructor(private readonly opts: LauncherOptions) {}

  /** Runs a write behind the guard, in one transaction with it; without a guard, as it is. */
  private write<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const { guard, store } = this.opts;
    if (!guard) return fn(store.sql);
    return store.sql.transaction(async (tx) => {
      await guard(tx);
      return fn(tx);
    });
  }

  /** Records and processes one fire; undefined when it had already fired. */
  async fire(flow: FlowDef, triggerKey: string, instant: Instant): Promise<FireRow | undefined> {
    const fire = await this.write((tx) => this.opts.fires.record(
      { flow: flow.name, triggerKey, at: instant.at, businessDate: instant.businessDate, state: 'firing' }, this.opts.now(), tx));
    if (!fire) return undefined;
    return this.process(flow, fire);
  }

  /** Queues a fire (backfill): started later by `drain`, one run of the flow at a time. */
  async queue(flow: FlowDef, triggerKey: string, instant: Instant): Promise<FireRow | undefined> {
    return this.write((tx) => this.opts.fires.record(
      { flow: flow.name, triggerKey, at: instant.at, businessDate: instant.businessDate, state: 'queued' }, this.opts.now(), tx));
  }

  private async process(flow: FlowDef, fire: FireRow): Promise<FireRow> {
    const { fires } = this.opts;
    const skip = async (reason: string) => {
      await this.write((tx) => fires.setState(fire.id, 'skipped', null, reason, tx));
      return { ...fire, state: 'skipped' as const, reason };
    };
    if (await fires.runOfFire(fire.id) !== undefined) return this.start(flow, fire);
    if (await fires.isPaused(flow.name)) return skip('the schedule is paused');
    const schedule = flow.schedule;
    if ((schedule?.oncePerBusinessDate ?? true) && fire.businessDate) {
      const existing = await fires.runOfBusinessDate(flow.name, fire.businessDate);
      if (existing !== undefined) return skip(`business date ${fire.businessDate} already has run ${existing}`);
    }
    const action = overlapAction(schedule?.overlap ?? 'skip', await fires.activeRuns(flow.name));
    switch (action.kind) {
      case 'skip':
        return skip(action.reason);
      case 'queue':
        await this.write(async (tx) => {
          if (action.supersedeQueued) await fires.supersedeQueued(flow.name, fire.id, tx);
          await fires.setState(fire.id, 'queued', null, 'a run of the flow is still going', tx);
        });
        return { ...fire, state: 'queued' };
      case 'cancel-and-start':
        for (const runId of action.cancel) {
          await abort({ store: this.opts.store, now: this.opts.now(), actor: `trigger ${fire.triggerKey}`, ownerAlive: this.opts.ownerAlive }, runId);
        }
        return this.start(flow, fire);
      case 'start':
        return this.start(flow, fire);
      default: {
        const never: never = action;
        return never;
      }
    }
  }

  private async start(flow: FlowDef, fire: FireRow): Promise<FireRow> {
    const { store, fires } = this.opts;
    const runId = await fires.runOfFire(fire.id);
    if (runId === undefined) {
      const given = fire.businessDate && flow.params.some((p) => p.name === 'business_date') ? { business_date: fire.businessDate } : {};
      const { values, errors } = resolveParams(flow, given);
      if (errors.length > 0) {
        await this.write((tx) => fires.setState(fire.id, 'skipped', null, `cannot start: ${errors.join('; ')}`, tx));
        return { ...fire, state: 'skipped' };
      }
      const now = this.opts.now();
      const version = await store.saveFlowVersion(flow, flowFingerprint(flow), now);
      // The run and its fire's `started` in one transaction, behind the guard.
      const run = await store.createRun({
        flowVersionId: version.id, flow: flow.name, params: values, vars: resolveVars(flow).values, jobs: flow.jobs.map((j) => j.name), at: now,
        businessDate: fire.businessDate, fireId: fire.id,
        priority: fire.triggerKey.startsWith('backfill:') ? this.opts.backfillPriority ?? -10 : 0,
      }, async (tx, created) => {
        await this.opts.guard?.(tx);
        await fires.setState(fire.id, 'started', created.id, null, tx);
      });
      this.opts.onRun?.(run.id, fire);
      return { ...fire, state: 'started', runId: run.id };
    }
    await this.write((tx) => fires.setState(fire.id, 'started', runId, null, tx));
    return { ...fire, state: 'started', runId };
  }

  /** Completes fires a crash left in `firing`. */
  async recover(flows: Map<string, FlowDef>): Promise<void> {
    for (const fire of await this.opts.fires.inState('firing')) {
      const flow = flows.get(fire.flow);
      if (flow) await this.process(flow, fire);
    }
  }

  /** Starts the oldest queued fire of each flow that has no unfinished run. */
  async drain(flows: Map<string, FlowDef>): Promise<void> {
    const queued = await this.opts.fires.inState('queued');
    const seen = new Set<string>();
    for (const fire of queued) {
      if (seen.has(fire.flow)) continue;
      seen.add(fire.flow);
      const flow = flows.get(fire.flow);
      if (!flow || (await this.opts.fires.activeRuns(flow.name)).length > 0) continue;
      if (await this.opts.fires.isPaused(flow.name)) continue;
      if (!(await this.write((tx) => this.opts.fires.claimQueued(fire.id, tx)))) continue;
      await this.process(flow, { ...fire, state: 'firing' });
    }
  }
}
