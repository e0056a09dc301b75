import { isObject, jsonEqual, type Json, type JsonObject } from '../json.js';

/**
 * Events for the in-memory driver. A run subscribes under a name with a mask; a raised event is queued
 * on every subscription (of any run) whose mask is a subset of it; wait_for_event takes the oldest queued
 * event of the named subscriptions, or waits for one.
 */
export function maskMatches(mask: Json, event: Json): boolean {
  if (isObject(mask) && isObject(event)) {
    return Object.entries(mask).every(([k, m]) => Object.hasOwn(event, k) && maskMatches(m, event[k] as Json));
  }
  return jsonEqual(mask, event);
}

interface Subscription {
  mask: JsonObject;
  queue: Array<{ seq: number; delivered: JsonObject }>;
}

interface Waiter {
  names: string[];
  deliver(event: JsonObject): void;
}

export class EventBus {
  private seq = 0;
  private readonly subs = new Map<string, Map<string, Subscription>>();
  private readonly waiters = new Map<string, Waiter>();

  subscribe(runId: string, name: string, mask: JsonObject): void {
    const mine = this.subs.get(runId) ?? new Map<string, Subscription>();
    mine.set(name, { mask, queue: [] });
    this.subs.set(runId, mine);
  }

  unsubscribe(runId: string, name: string): boolean {
    return this.subs.get(runId)?.delete(name) ?? false;
  }

  raise(event: JsonObject): void {
    for (const [runId, mine] of this.subs) {
      for (const [name, sub] of mine) {
        if (maskMatches(sub.mask, event)) sub.queue.push({ seq: ++this.seq, delivered: { name, event } });
      }
      this.serve(runId);
    }
  }

  /** Delivers at once when an event is queued; otherwise `deliver` is called when one arrives. */
  wait(runId: string, names: string[], deliver: (event: JsonObject) => void): void {
    this.waiters.set(runId, { names, deliver });
    this.serve(runId);
  }

  cancelWait(runId: string): void {
    this.waiters.delete(runId);
  }

  dropRun(runId: string): void {
    this.subs.delete(runId);
    this.waiters.delete(runId);
  }

  private serve(runId: string): void {
    const waiter = this.waiters.get(runId);
    const mine = this.subs.get(runId);
    if (!waiter || !mine) return;
    let oldest: Subscription | undefined;
    for (const name of waiter.names) {
      const sub = mine.get(name);
      const head = sub?.queue[0];
      if (sub && head && (!oldest || head.seq < (oldest.queue[0] as { seq: number }).seq)) oldest = sub;
    }
    if (!oldest) return;
    const item = oldest.queue.shift() as { delivered: JsonObject };
    this.waiters.delete(runId);
    waiter.deliver(item.delivered);
  }
}
