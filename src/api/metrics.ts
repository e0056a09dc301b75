/**
 * Prometheus metrics (prom-client, a registry of this server's own). Gauges of the runtime are read from the
 * store at each scrape, so they count the tasks of every server on the same database; the dispatch latency
 * histogram and the slot gauges are this server's engine's own.
 *
 *   ordo_tasks{state}                 tasks of unfinished runs, by state
 *   ordo_queue_depth                  ready tasks waiting for a slot or a resource (all servers)
 *   ordo_runs{state}                  unfinished runs, by state (pending, running)
 *   ordo_slots_max / ordo_slots_used  this engine's slot limit and its running tasks
 *   ordo_dispatch_latency_seconds     from ready (or end of retry delay) to start, per attempt started here
 *   ordo_api_calls_total{method,outcome}, ordo_ws_connections, ordo_subscriptions
 *   ordo_workers, ordo_worker_slots   remote workers (0 until the worker protocol lands)
 * plus the default process metrics, prefixed `ordo_`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../engine/engine.js';
import type { OrdoStore } from '../store/ordo-store.js';

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly tasks = new Gauge({ name: 'ordo_tasks', help: 'tasks of unfinished runs, by state', labelNames: ['state'], registers: [this.registry] });
  private readonly queue = new Gauge({ name: 'ordo_queue_depth', help: 'ready tasks waiting to start', registers: [this.registry] });
  private readonly runs = new Gauge({ name: 'ordo_runs', help: 'unfinished runs, by state', labelNames: ['state'], registers: [this.registry] });
  private readonly slotsMax = new Gauge({ name: 'ordo_slots_max', help: "this engine's slot limit", registers: [this.registry] });
  private readonly slotsUsed = new Gauge({ name: 'ordo_slots_used', help: 'tasks running in runs this engine drives', registers: [this.registry] });
  readonly dispatchLatency = new Histogram({
    name: 'ordo_dispatch_latency_seconds', help: 'time from ready to start of the attempts this engine started',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300], registers: [this.registry],
  });
  readonly calls = new Counter({
    name: 'ordo_api_calls_total', help: 'API method calls, by method and outcome (ok or the error code)',
    labelNames: ['method', 'outcome'], registers: [this.registry],
  });
  readonly connections = new Gauge({ name: 'ordo_ws_connections', help: 'open WebSocket connections', registers: [this.registry] });
  readonly subscriptions = new Gauge({ name: 'ordo_subscriptions', help: 'live-update subscriptions', registers: [this.registry] });
  readonly workers = new Gauge({ name: 'ordo_workers', help: 'connected remote workers', registers: [this.registry] });
  readonly workerSlots = new Gauge({ name: 'ordo_worker_slots', help: 'slots announced by remote workers', registers: [this.registry] });

  constructor(private readonly store: OrdoStore, private readonly engine?: Engine) {
    collectDefaultMetrics({ register: this.registry, prefix: 'ordo_' });
    engine?.onDispatch((d) => this.dispatchLatency.observe(Math.max(0, d.waitedMs) / 1000));
  }

  /** Reads the runtime gauges from the store, then renders every metric in the text format. */
  async render(): Promise<string> {
    const open = "r.state IN ('pending', 'running')";
    const byState = await this.store.sql.query<{ state: string; n: number }>(
      `SELECT t.state AS state, COUNT(*) AS n FROM tasks t JOIN runs r ON r.id = t.run_id WHERE ${open} GROUP BY t.state`);
    this.tasks.reset();
    for (const state of ['waiting', 'ready', 'running']) this.tasks.set({ state }, 0);
    for (const row of byState) this.tasks.set({ state: row.state }, Number(row.n));
    this.queue.set(Number(byState.find((r) => r.state === 'ready')?.n ?? 0));
    const runs = await this.store.sql.query<{ state: string; n: number }>(`SELECT r.state AS state, COUNT(*) AS n FROM runs r WHERE ${open} GROUP BY r.state`);
    for (const state of ['pending', 'running']) this.runs.set({ state }, Number(runs.find((r) => r.state === state)?.n ?? 0));
    if (this.engine) {
      this.slotsMax.set(this.engine.maxParallelNow);
      const [used] = await this.store.sql.query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM tasks t JOIN runs r ON r.id = t.run_id WHERE r.owner = ? AND t.state = 'running'`, [this.engine.owner]);
      this.slotsUsed.set(Number(used?.n ?? 0));
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
