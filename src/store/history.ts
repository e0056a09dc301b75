/**
 * History across runs (docs/history.md): a job's attempts over its flow's runs, newest first, with what each
 * used; and the event log of every run at once. Read-only queries over the SQL port.
 */
import type { AttemptUsage } from '../engine/ports.js';
import type { EventRow } from '../engine/store.js';
import type { SqlPort, SqlRow } from './port.js';
import { toEventRow } from './rows.js';

export interface HistoryEntry {
  runId: number;
  businessDate: string | null;
  attempt: number;
  state: string;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  usage: AttemptUsage | null;
}

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toEntry(r: SqlRow): HistoryEntry {
  const startedAt = Number(r.started_at);
  const endedAt = n(r.ended_at);
  const user = n(r.cpu_user_ms);
  const rss = n(r.max_rss_kb);
  return {
    runId: Number(r.run_id), businessDate: r.business_date === null || r.business_date === undefined ? null : String(r.business_date),
    attempt: Number(r.attempt), state: String(r.state), startedAt, endedAt, durationMs: endedAt === null ? null : endedAt - startedAt,
    exitCode: n(r.exit_code), signal: r.signal === null || r.signal === undefined ? null : String(r.signal),
    error: r.error === null || r.error === undefined ? null : String(r.error),
    usage: user === null ? null : { cpuUserMs: user, cpuSystemMs: n(r.cpu_system_ms) ?? 0, ...(rss !== null && { maxRssKb: rss }) },
  };
}

/** The job's last `limit` attempts over the flow's runs, newest run first (and within a run, latest attempt first). */
export async function jobHistory(db: SqlPort, flow: string, job: string, limit: number): Promise<HistoryEntry[]> {
  const rows = await db.query(
    'SELECT r.id AS run_id, r.business_date, a.attempt, a.state, a.started_at, a.ended_at, a.exit_code, a.signal, a.error, ' +
    'a.cpu_user_ms, a.cpu_system_ms, a.max_rss_kb FROM runs r JOIN tasks t ON t.run_id = r.id JOIN attempts a ON a.task_id = t.id ' +
    'WHERE r.flow = ? AND t.job = ? ORDER BY r.id DESC, a.attempt DESC LIMIT ?', [flow, job, limit]);
  return rows.map(toEntry);
}

export interface HistoryStats {
  attempts: number;
  succeeded: number;
  failed: number;
  /** Succeeded among ended attempts, 0..1; null before any ended. */
  successRate: number | null;
  durationMs: { p50: number; p90: number; max: number } | null;
  /** Mean CPU time (user + system) of the attempts that report it. */
  meanCpuMs: number | null;
  maxRssKb: number | null;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function historyStats(entries: readonly HistoryEntry[]): HistoryStats {
  const ended = entries.filter((e) => e.endedAt !== null && e.state !== 'running');
  const succeeded = ended.filter((e) => e.state === 'succeeded').length;
  const durations = ended.map((e) => e.durationMs!).sort((a, b) => a - b);
  const cpu = entries.flatMap((e) => (e.usage ? [e.usage.cpuUserMs + e.usage.cpuSystemMs] : []));
  const rss = entries.flatMap((e) => (e.usage?.maxRssKb !== undefined ? [e.usage.maxRssKb] : []));
  return {
    attempts: entries.length, succeeded, failed: ended.length - succeeded,
    successRate: ended.length === 0 ? null : succeeded / ended.length,
    durationMs: durations.length === 0 ? null : { p50: quantile(durations, 0.5), p90: quantile(durations, 0.9), max: durations[durations.length - 1]! },
    meanCpuMs: cpu.length === 0 ? null : Math.round(cpu.reduce((a, b) => a + b, 0) / cpu.length),
    maxRssKb: rss.length === 0 ? null : Math.max(...rss),
  };
}

/**
 * Events of every run (and of no run: users, secrets), oldest first: those after event id `after`, at or
 * after `since` (ms since the epoch), at most `limit` (the newest of them when more match).
 */
export async function eventsAcross(db: SqlPort, opts: { after?: number; since?: number; limit: number }): Promise<EventRow[]> {
  const rows = await db.query('SELECT id, at, run_id, task_id, job, kind, data FROM events WHERE id > ? AND at >= ? ORDER BY id DESC LIMIT ?',
    [opts.after ?? 0, opts.since ?? 0, opts.limit]);
  return rows.map(toEventRow).reverse();
}
