/**
 * A Gantt chart of a run: one row per job, one bar per attempt (coloured by its outcome), the forecast of
 * what has not run yet as outlined bars (runs.forecast), the critical path outlined (the chain of jobs, each
 * started by the end of its latest-ending dependency, that ends last), the forecast end of the run and each
 * job's deadline (red when the forecast says the job will be late).
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { Forecast, Graph, Task } from '../types';
import { colorOf, time } from '../util';

const ROW = 18;
const LABEL = 160;
const TOP = 26;

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

/** The width of an element, kept up to date (the chart fills the space beside the job panel). */
function useWidth(fallback: number): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(400, el.clientWidth - 2)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/** About six round ticks between t0 and t1. */
function ticks(t0: number, t1: number): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400].map((s) => s * 1000);
  const step = steps.find((s) => (t1 - t0) / s <= 6) ?? 86_400_000;
  const out: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) out.push(t);
  return out;
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}

export const Gantt = memo(function Gantt({ tasks, graph, forecast, now }: { tasks: Task[]; graph: Graph; forecast: Forecast | null; now: number }) {
  const [ref, width] = useWidth(900);
  const critical = useMemo(() => criticalPath(tasks, graph, forecast), [tasks, graph, forecast]);
  const predicted = new Map((forecast?.jobs ?? []).map((j) => [j.job, j]));
  const starts = [...tasks.flatMap((t) => t.attemptsList.map((a) => a.startedAt)), ...[...predicted.values()].flatMap((j) => (j.start === null ? [] : [j.start]))];
  if (starts.length === 0) return <p className="hint" data-testid="gantt-empty">No attempt has started yet.</p>;
  const deadlines = new Map([...predicted.values()].filter((j) => j.deadline !== null).map((j) => [j.job, j.deadline!]));
  const t0 = Math.min(...starts);
  const ends = [...tasks.flatMap((t) => t.attemptsList.map((a) => a.endedAt ?? now)), ...[...predicted.values()].flatMap((j) => (j.end === null ? [] : [j.end]))];
  const t1 = Math.max(...ends, forecast && !forecast.ended ? forecast.end : 0, ...deadlines.values(), t0 + 1000);
  const x = (ms: number) => LABEL + ((ms - t0) / (t1 - t0)) * (width - LABEL - 12);
  const rows = tasks.filter((t) => t.attemptsList.length > 0 || deadlines.has(t.job) || predicted.get(t.job)?.start != null);
  const height = rows.length * ROW + TOP + 18;
  return (
    <div className="gantt-wrap" ref={ref}>
      <svg width={width} height={height} data-testid="gantt">
        {ticks(t0, t1).map((t) => (
          <g key={t} className="tick">
            <line x1={x(t)} x2={x(t)} y1={TOP - 6} y2={height - 16} />
            <text x={x(t)} y={12} textAnchor="middle" className="axis">{clock(t)}</text>
          </g>
        ))}
        {rows.map((t, i) => {
          const y = TOP + i * ROW;
          const deadline = deadlines.get(t.job);
          const f = predicted.get(t.job);
          const onPath = critical.has(t.job);
          // What the forecast still expects: the rest of a running job, or the whole of one not started.
          const running = t.attemptsList.some((a) => a.endedAt === null);
          const from = running ? now : t.attemptsList.length === 0 ? f?.start ?? null : null;
          const expected = from !== null && f?.end != null && f.end > from ? { from, to: f.end } : null;
          return (
            <g key={t.job} data-job={t.job} className={onPath ? 'critical' : ''}>
              <text x={LABEL - 6} y={y + 12} textAnchor="end" className="label">{t.job}</text>
              {t.attemptsList.map((a) => (
                <rect key={a.attempt} className="bar" data-attempt={a.attempt} x={x(a.startedAt)} y={y + 3}
                  width={Math.max(2, x(a.endedAt ?? now) - x(a.startedAt))} height={ROW - 6} fill={colorOf(a.state === 'timeout' || a.state === 'lost' ? 'failed' : a.state)}
                  stroke={onPath ? '#000' : 'none'} strokeWidth={onPath ? 2 : 0}>
                  <title>{`${t.job} attempt ${a.attempt}: ${a.state}, ${time(a.startedAt)} – ${a.endedAt ? time(a.endedAt) : 'running'}`}</title>
                </rect>
              ))}
              {expected && (
                <rect className="predicted" x={x(expected.from)} y={y + 3} width={Math.max(2, x(expected.to) - x(expected.from))} height={ROW - 6}
                  stroke={onPath ? '#000' : '#90a4ae'}>
                  <title>{`${t.job}: expected until ${time(expected.to)}`}</title>
                </rect>
              )}
              {deadline !== undefined && (
                <line className={`deadline${f?.late ? ' late' : ''}`} x1={x(deadline)} x2={x(deadline)} y1={y} y2={y + ROW}>
                  <title>{`${t.job}: deadline ${time(deadline)}${f?.late ? ' (forecast: late)' : ''}`}</title>
                </line>
              )}
            </g>
          );
        })}
        {forecast && !forecast.ended && (
          <g data-testid="forecast-end">
            <line className="forecast" x1={x(forecast.end)} x2={x(forecast.end)} y1={TOP - 6} y2={height - 14} />
            <text x={Math.max(LABEL + 80, x(forecast.end) - 4)} y={height - 3} textAnchor="end" className="axis">forecast end {clock(forecast.end)}</text>
          </g>
        )}
      </svg>
      <p className="hint legend">black outline: the critical path · dashed: what the forecast expects · red line: a deadline</p>
    </div>
  );
});
