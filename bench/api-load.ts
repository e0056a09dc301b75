/**
 * The load side of bench/api.ts, in its own process: remote workers over WebSocket doing a no-op action and
 * a client starting one-step workflows. Gets `{url, token, phase}` over IPC, sends back the phase's figures.
 */
import { performance } from 'node:perf_hooks';
import { OrdoClient, RemoteWorker, type JobEnd } from '../src/sdk/index.js';

export type LoadPhase = { kind: 'throughput'; workers: number; slots: number; jobs: number } | { kind: 'latency'; calls: number };

interface Target { url: string; token: string }

async function startWorkers(b: Target, count: number, slots: number): Promise<RemoteWorker[]> {
  const workers: RemoteWorker[] = [];
  for (let i = 0; i < count; i++) {
    const w = new RemoteWorker({ url: b.url, token: b.token, name: `bench-${count}x${slots}-${i}` });
    w.action('noop', async (input) => ({ x: Number(input.x) }), { slots });
    await w.start();
    workers.push(w);
  }
  return workers;
}

export interface Throughput { workers: number; slots: number; jobs: number; seconds: number; actionsPerSec: number; failed: number }

/** Starts `jobs` runs of `one` at once (a bounded window of outstanding create_job requests) and waits for all. */
async function throughput(b: Target, client: OrdoClient, workers: number, slots: number, jobs: number): Promise<Throughput> {
  const ws = await startWorkers(b, workers, slots);
  try {
    // Warm-up: a few calls so that connections and statements are ready.
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.call('one', { x: i }, { timeoutMs: 30_000 })));
    const before = ws.reduce((n, w) => n + w.stats.done, 0);
    const ends: Array<Promise<JobEnd>> = [];
    const t0 = performance.now();
    let next = 0;
    // 200 create_job requests in flight at a time, so the socket is never idle and memory stays bounded.
    await Promise.all(Array.from({ length: 200 }, async () => {
      while (next < jobs) {
        const i = next++;
        const job = await client.start('one', { x: i });
        ends.push(client.wait(job, 120_000, false));
      }
    }));
    const results = await Promise.all(ends);
    const seconds = (performance.now() - t0) / 1000;
    const failed = results.filter((r) => !r.ok).length;
    const done = ws.reduce((n, w) => n + w.stats.done, 0) - before;
    return { workers, slots, jobs, seconds, actionsPerSec: done / seconds, failed };
  } finally {
    await Promise.all(ws.map((w) => w.stop()));
  }
}

export interface Latency { calls: number; p50Ms: number; p99Ms: number; meanMs: number; maxMs: number }

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function latency(b: Target, client: OrdoClient, calls: number): Promise<Latency> {
  const [w] = await startWorkers(b, 1, 50);
  try {
    for (let i = 0; i < 50; i++) await client.call('one', { x: i }, { timeoutMs: 30_000 });
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      const out = await client.call('one', { x: i }, { timeoutMs: 30_000 });
      times.push(performance.now() - t0);
      if (out.x !== i) throw new Error(`call one(${i}) gave ${JSON.stringify(out)}`);
    }
    times.sort((a, c) => a - c);
    return {
      calls, p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99),
      meanMs: times.reduce((s, t) => s + t, 0) / times.length, maxMs: times[times.length - 1]!,
    };
  } finally {
    await w!.stop();
  }
}

async function runPhase(target: Target, phase: LoadPhase): Promise<Throughput | Latency> {
  const client = await OrdoClient.connect({ url: target.url, token: target.token });
  try {
    return phase.kind === 'throughput'
      ? await throughput(target, client, phase.workers, phase.slots, phase.jobs)
      : await latency(target, client, phase.calls);
  } finally {
    await client.close();
  }
}

process.once('message', (m: Target & { phase: LoadPhase }) => {
  runPhase(m, m.phase).then(
    (value) => process.send!({ ok: true, value }, () => process.exit(0)),
    (err: Error) => process.send!({ ok: false, error: String(err.stack ?? err) }, () => process.exit(1)),
  );
});
