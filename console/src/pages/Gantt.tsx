/**
 * A Gantt chart of a run's attempts: one row per job, one bar per attempt (coloured by its outcome), the
 * critical path outlined (the chain of jobs, each started by the end of its latest-ending dependency, that
 * ends last), the forecast end of the run and each job's deadline.
 */
import { memo, useMemo } from 'react';
import type { Forecast, Graph, Task } from '../types';
import { colorOf, time } from '../util';

const ROW = 16;
const LABEL = 160;
const WIDTH = 900;

/** The jobs of the critical path, from the run's last job back along the dependency that ended latest. */
export function criticalPath(tasks: Task[], graph: Graph, forecast: Forecast | null): Set<string> {
  const span = new Map<string, { start: number; end: number }>();
  const predicted = new Map((forecast?.jobs ?? []).map((j) => [j.job, j]));
  for (const t of tasks) {
    const f = predicted.get(t.job);
    const start = t.startedAt ?? f?.start ?? null;
    const end = t.endedAt ?? f?.end ?? null;
    if (start !== null && end !== null) span.set(t.job, { start, end });
  }
  const deps = new Map<string, string[]>();
  for (const e of graph.edges) deps.set(e.to, [...(deps.get(e.to) ?? []), e.from]);
  let current: string | undefined;
  for (const [job, s] of span) if (current === undefined || s.end > span.get(current)!.end) current = job;
  const path = new Set<string>();
  while (current !== undefined && !path.has(current)) {
    path.add(current);
    let next: string | undefined;
    for (const d of deps.get(current) ?? []) {
      const s = span.get(d);
      if (s && (next === undefined || s.end > span.get(next)!.end)) next = d;
    }
    current = next;
  }
  return path;
}

export const Gantt = memo(function Gantt({ tasks, graph, forecast, now }: { tasks: Task[]; graph: Graph; forecast: Forecast | null; now: number }) {
  const critical = useMemo(() => criticalPath(tasks, graph, forecast), [tasks, graph, forecast]);
  const deadlines = new Map((forecast?.jobs ?? []).filter((j) => j.deadline !== null).map((j) => [j.job, j.deadline!]));
  const starts = tasks.flatMap((t) => t.attemptsList.map((a) => a.startedAt));
  if (starts.length === 0) return <p className="hint" data-testid="gantt-empty">No attempt has started yet.</p>;
  const t0 = Math.min(...starts);
  const ends = tasks.flatMap((t) => t.attemptsList.map((a) => a.endedAt ?? now));
  const t1 = Math.max(...ends, forecast && !forecast.ended ? forecast.end : 0, ...deadlines.values(), t0 + 1000);
  const x = (ms: number) => LABEL + ((ms - t0) / (t1 - t0)) * (WIDTH - LABEL - 10);
  const rows = tasks.filter((t) => t.attemptsList.length > 0 || deadlines.has(t.job));
  const height = rows.length * ROW + 30;
  return (
    <div className="gantt-wrap">
      <svg width={WIDTH} height={height} data-testid="gantt">
        <text x={LABEL} y={12} className="axis">{time(t0)}</text>
        <text x={WIDTH - 10} y={12} textAnchor="end" className="axis">{time(t1)}</text>
        {rows.map((t, i) => {
          const y = 20 + i * ROW;
          const deadline = deadlines.get(t.job);
          return (
            <g key={t.job} data-job={t.job} className={critical.has(t.job) ? 'critical' : ''}>
              <text x={LABEL - 6} y={y + 11} textAnchor="end" className="label">{t.job}</text>
              {t.attemptsList.map((a) => (
                <rect key={a.attempt} className="bar" data-attempt={a.attempt} x={x(a.startedAt)} y={y + 2}
                  width={Math.max(2, x(a.endedAt ?? now) - x(a.startedAt))} height={ROW - 4} fill={colorOf(a.state === 'timeout' || a.state === 'lost' ? 'failed' : a.state)}
                  stroke={critical.has(t.job) ? '#000' : 'none'} strokeWidth={critical.has(t.job) ? 2 : 0}>
                  <title>{`${t.job} attempt ${a.attempt}: ${a.state}`}</title>
                </rect>
              ))}
              {deadline !== undefined && <line className="deadline" x1={x(deadline)} x2={x(deadline)} y1={y} y2={y + ROW} />}
            </g>
          );
        })}
        {forecast && !forecast.ended && (
          <g data-testid="forecast-end">
            <line className="forecast" x1={x(forecast.end)} x2={x(forecast.end)} y1={14} y2={height} />
            <text x={x(forecast.end) - 4} y={height - 2} textAnchor="end" className="axis">forecast end {time(forecast.end)}</text>
          </g>
        )}
      </svg>
    </div>
  );
});
