/**
 * Subscriptions of the connected sessions, and the delivery of changes to them. A subscription names runs,
 * flows, or everything; each matching change is sent as a JSON-RPC notification (`run.changed`,
 * `task.changed`) carrying the subscription's id. The feed reads the store only while someone subscribes.
 */
import { randomBytes } from 'node:crypto';
import { OrdoError } from '../../errors.js';
import type { Session } from '../context.js';
import { changeOf, type FeedEvent } from './changes.js';

export interface Filter {
  runs?: number[];
  flows?: string[];
  all?: true;
}

interface Subscription {
  runs: Set<number>;
  flows: Set<string>;
  all: boolean;
}

const MAX_PER_SESSION = 100;

export class SubscriptionHub {
  private readonly sessions = new Map<string, { session: Session; subs: Map<string, Subscription> }>();
  private total = 0;

  /** Told when the number of subscriptions goes from 0 to more, or back to 0. */
  constructor(private readonly onActive: (active: boolean) => void) {}

  get count(): number {
    return this.total;
  }

  subscribe(session: Session, filter: Filter): string {
    let entry = this.sessions.get(session.id);
    if (!entry) {
      entry = { session, subs: new Map() };
      this.sessions.set(session.id, entry);
    }
    if (entry.subs.size >= MAX_PER_SESSION) {
      throw new OrdoError('ORDO_BAD_STATE', `a connection may hold at most ${MAX_PER_SESSION} subscriptions`);
    }
    const id = `sub-${randomBytes(6).toString('hex')}`;
    entry.subs.set(id, { runs: new Set(filter.runs ?? []), flows: new Set(filter.flows ?? []), all: filter.all === true });
    this.changed(+1);
    return id;
  }

  unsubscribe(session: Session, id: string): boolean {
    const entry = this.sessions.get(session.id);
    if (!entry?.subs.delete(id)) return false;
    this.changed(-1);
    return true;
  }

  /** A connection closed: its subscriptions go. */
  drop(session: Session): void {
    const entry = this.sessions.get(session.id);
    if (!entry) return;
    this.sessions.delete(session.id);
    this.changed(-entry.subs.size);
  }

  deliver(events: FeedEvent[]): void {
    for (const e of events) {
      const change = changeOf(e);
      if (!change) continue;
      for (const { session, subs } of this.sessions.values()) {
        for (const [id, sub] of subs) {
          if (sub.all || sub.runs.has(e.runId!) || (e.flow !== null && sub.flows.has(e.flow))) {
            session.notify(change.method, { subscription: id, ...change.params });
          }
        }
      }
    }
  }

  private changed(delta: number): void {
    const before = this.total;
    this.total += delta;
    if (before === 0 && this.total > 0) this.onActive(true);
    else if (before > 0 && this.total === 0) this.onActive(false);
  }
}
