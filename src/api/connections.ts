/**
 * The open connections that outlive one call (WebSockets, JobCenter connections) and so must check their
 * credential again: before each call they do it themselves; this registry makes them do it also while they
 * are idle (a subscriber may only listen), every `everyMs`, and at once when users or tokens change through
 * this server. A connection whose credential no longer holds closes (its subscriptions with it); one whose
 * role no longer reads loses its subscriptions.
 */
export type Recheck = () => Promise<void>;

export class OpenConnections {
  private readonly checks = new Set<Recheck>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly onError: (err: unknown) => void) {}

  get size(): number {
    return this.checks.size;
  }

  /** Registers a connection's check; the function returned removes it. */
  add(check: Recheck): () => void {
    this.checks.add(check);
    return () => this.checks.delete(check);
  }

  /** Every connection checks its credential now; resolves when all did. */
  async recheckAll(): Promise<void> {
    await Promise.all([...this.checks].map((check) => check().catch(this.onError)));
  }

  start(everyMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.recheckAll(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
