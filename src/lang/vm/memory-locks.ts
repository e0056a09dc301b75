/**
 * Locks for the in-memory driver. A lock (type, value) has one holder, plus descendants sharing it by
 * inheritance; waiters are served first come, first served. Before a run is queued, the wait-for graph
 * (run -> holders of the lock it waits for, run -> children it waits for) is searched: if the holder can
 * reach the requester, waiting would deadlock, and the request fails with a `lock` error instead.
 */
export interface LockRequest {
  runId: string;
  type: string;
  value: string;
  inherit: boolean;
  /** Seconds to wait at most: 0 = do not wait, null = no limit. */
  wait: number | null;
}

export interface LockHooks {
  ancestors(runId: string): string[];
  /** Runs that `runId` waits for besides locks (its children, when it waits for them). */
  waitsForRuns(runId: string): string[];
}

export type LockOutcome = { kind: 'granted' } | { kind: 'failed'; msg: string } | { kind: 'queued' };

interface Held {
  holder: string;
  inherit: boolean;
  sharers: Set<string>;
}

interface Waiting {
  request: LockRequest;
  grant(): void;
}

const keyOf = (type: string, value: string): string => `${type}\u0000${value}`;

export class LockTable {
  private readonly held = new Map<string, Held>();
  private readonly queues = new Map<string, Waiting[]>();
  private readonly waitingOn = new Map<string, string>();

  constructor(private readonly hooks: LockHooks) {}

  acquire(request: LockRequest, grant: () => void): LockOutcome {
    const key = keyOf(request.type, request.value);
    const h = this.held.get(key);
    if (!h) {
      this.held.set(key, { holder: request.runId, inherit: request.inherit, sharers: new Set() });
      return { kind: 'granted' };
    }
    if (h.holder === request.runId || h.sharers.has(request.runId)) return { kind: 'granted' };
    const ancestors = this.hooks.ancestors(request.runId);
    if ((h.inherit || request.inherit) && (ancestors.includes(h.holder) || [...h.sharers].some((s) => ancestors.includes(s)))) {
      h.sharers.add(request.runId);
      return { kind: 'granted' };
    }
    const what = `lock ${request.type} '${request.value}'`;
    if (request.wait === 0) return { kind: 'failed', msg: `${what} is held by ${h.holder}` };
    if (this.reaches(h.holder, request.runId, new Set())) {
      return { kind: 'failed', msg: `deadlock: waiting for ${what}, held by ${h.holder}, which waits for this run` };
    }
    const queue = this.queues.get(key) ?? [];
    queue.push({ request, grant });
    this.queues.set(key, queue);
    this.waitingOn.set(request.runId, key);
    return { kind: 'queued' };
  }

  /** Removes a queued request (its wait timed out, or the run was interrupted). */
  cancel(runId: string): void {
    const key = this.waitingOn.get(runId);
    if (key === undefined) return;
    this.waitingOn.delete(runId);
    this.queues.set(key, (this.queues.get(key) ?? []).filter((w) => w.request.runId !== runId));
  }

  release(runId: string, type: string, value: string): boolean {
    const key = keyOf(type, value);
    const h = this.held.get(key);
    if (!h) return false;
    if (h.sharers.delete(runId)) return true;
    if (h.holder !== runId) return false;
    this.held.delete(key);
    this.serve(key);
    return true;
  }

  releaseAll(runId: string): void {
    this.cancel(runId);
    for (const [key, h] of [...this.held]) {
      h.sharers.delete(runId);
      if (h.holder === runId) {
        this.held.delete(key);
        this.serve(key);
      }
    }
  }

  holderOf(type: string, value: string): string | undefined {
    return this.held.get(keyOf(type, value))?.holder;
  }

  private serve(key: string): void {
    const queue = this.queues.get(key) ?? [];
    const next = queue.shift();
    if (!next) return;
    this.waitingOn.delete(next.request.runId);
    this.held.set(key, { holder: next.request.runId, inherit: next.request.inherit, sharers: new Set() });
    next.grant();
  }

  /** Whether `from` waits, directly or through others, for `target`. */
  private reaches(from: string, target: string, seen: Set<string>): boolean {
    if (from === target) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    const next: string[] = [...this.hooks.waitsForRuns(from)];
    const key = this.waitingOn.get(from);
    const h = key === undefined ? undefined : this.held.get(key);
    if (h) next.push(h.holder, ...h.sharers);
    return next.some((r) => this.reaches(r, target, seen));
  }
}
