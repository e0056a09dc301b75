/**
 * A piece of work run now and then `everyMs` after each run ends (never two at once), until stopped;
 * `stop()` waits for a run in progress. The server's sweeps use it.
 */
export interface Periodic {
  stop(): Promise<void>;
}

export function startPeriodic(
  work: (stopped: () => boolean) => Promise<void>,
  everyMs: number,
  opts: { onError?: (err: Error) => void; unref?: boolean; /** The first run after `everyMs` too, not at once. */ delayed?: boolean } = {},
): Periodic {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let current: Promise<void> = Promise.resolve();
  const tick = (): void => {
    current = work(() => stopped)
      .catch((err: unknown) => opts.onError?.(err as Error))
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(tick, everyMs);
        if (opts.unref) timer.unref();
      });
  };
  if (opts.delayed) {
    timer = setTimeout(tick, everyMs);
    if (opts.unref) timer.unref();
  } else tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
