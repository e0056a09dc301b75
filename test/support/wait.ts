/** Polls `probe` until it returns something other than undefined, within a bound (tests never wait unbounded). */
export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  /** What was last seen, for the timeout's message. */
  seen?: () => string;
}

export async function poll<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, opts: PollOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${opts.seen ? `; last seen: ${opts.seen()}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}
