/**
 * The local host's load, for jobs with `maxLoad` (seed 004's load-aware dispatch): the one-minute load
 * average divided by the number of cores, and free memory, read from the OS.
 */
import { availableParallelism, freemem, loadavg } from 'node:os';

export interface HostLoad {
  loadPerCore: number;
  freeMemBytes: number;
}

export function hostLoad(): HostLoad {
  return { loadPerCore: (loadavg()[0] ?? 0) / Math.max(1, availableParallelism()), freeMemBytes: freemem() };
}

/** A probe that reads the OS at most once per `everyMs` (dispatch may ask many times a second). */
export function cachedLoadProbe(everyMs = 1000, read: () => HostLoad = hostLoad): () => number {
  let at = 0;
  let value = 0;
  return () => {
    const now = Date.now();
    if (now - at >= everyMs) {
      value = read().loadPerCore;
      at = now;
    }
    return value;
  };
}
