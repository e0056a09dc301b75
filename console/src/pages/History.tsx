/**
 * History: a job's duration over its flow's last runs (a chart, one bar per attempt coloured by its outcome),
 * its success rate and duration figures (jobs.history); the event log across all runs (events.list), which
 * grows live: each change the feed reports makes the page read the events after the last one it has.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { feed, rpc } from '../api';
import type { PageProps } from '../main';
import type { EventRow } from '../types';
import { colorOf, duration, errorText, navigate, time } from '../util';

interface Entry { runId: number; businessDate: string | null; attempt: number; state: string; startedAt: number; durationMs: number | null; exitCode: number | null }
interface Stats { attempts: number; succeeded: number; failed: number; successRate: number | null; durationMs: { p50: number; p90: number; max: number } | null }

const MAX_EVENTS = 500;

function Chart({ entries }: { entries: Entry[] }) {
  const points = entries.filter((e) => e.durationMs !== null).reverse();
  const max = Math.max(1, ...points.map((p) => p.durationMs!));
  const w = Math.max(8, Math.min(28, Math.floor(760 / Math.max(1, points.length))));
  const width = Math.max(240, points.length * w + 50);
  return (
    <svg width={width} height={180} data-testid="duration-chart" className="chart">
      <text x={44} y={12} textAnchor="end" className="axis">{duration(max)}</text>
      <text x={44} y={150} textAnchor="end" className="axis">0</text>
      {points.map((p, i) => {
        const h = (p.durationMs! / max) * 136;
        const state = p.state === 'timeout' || p.state === 'lost' ? 'failed' : p.state;
        return (
          <rect key={`${p.runId}/${p.attempt}`} className="bar" data-run={p.runId} x={48 + i * w} y={150 - h} width={w - 3} height={Math.max(1, h)} fill={colorOf(state)}>
            <title>{`run ${p.runId}${p.businessDate ? ` (${p.businessDate})` : ''} attempt ${p.attempt}: ${duration(p.durationMs)} ${p.state}`}</title>
          </rect>
        );
      })}
      <line x1={46} x2={46} y1={8} y2={150} stroke="#999" /><line x1={46} x2={width} y1={150} y2={150} stroke="#999" />
      <text x={48} y={166} className="axis">oldest</text><text x={width - 4} y={166} textAnchor="end" className="axis">newest</text>
    </svg>
  );
}

function EventLog() {
  const [events, setEvents] = useState<EventRow[]>([]);
  const [filter, setFilter] = useState('');
  const last = useRef(0);
  const reading = useRef(false);
  const readNew = useCallback(() => {
    if (reading.current) return;
    reading.current = true;
    rpc<EventRow[]>('events.list', last.current ? { after: last.current, limit: MAX_EVENTS } : { limit: 200 })
      .then((fresh) => {
        if (fresh.length === 0) return;
        last.current = fresh[fresh.length - 1]!.id;
        setEvents((old) => [...fresh.reverse(), ...old].slice(0, MAX_EVENTS));
      })
      .catch(() => {})
      .finally(() => { reading.current = false; });
  }, []);
  useEffect(() => {
    readNew();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = feed.listen(() => { timer ??= setTimeout(() => { timer = null; readNew(); }, 300); }, readNew);
    return () => { stop(); if (timer) clearTimeout(timer); };
  }, [readNew]);
  const shown = filter ? events.filter((e) => `${e.runId ?? ''} ${e.job ?? ''} ${e.kind} ${JSON.stringify(e.data)}`.toLowerCase().includes(filter.toLowerCase())) : events;
  return (
    <>
      <h2>Event log <small className="hint">all runs, newest first, live</small></h2>
      <input type="search" placeholder="filter events" aria-label="filter events" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <table className="grid" data-testid="events">
        <thead><tr><th>#</th><th>at</th><th>run</th><th>job</th><th>event</th><th>data</th></tr></thead>
        <tbody>
          {shown.map((e) => (
            <tr key={e.id} data-kind={e.kind} data-run={e.runId ?? ''}>
              <td>{e.id}</td><td className="time">{time(e.at)}</td>
              <td>{e.runId !== null && <a href={`/runs/${e.runId}`} onClick={(ev) => { ev.preventDefault(); navigate(`/runs/${e.runId}`); }}>{e.runId}</a>}</td>
              <td>{e.job}</td><td>{e.kind}</td><td className="data">{Object.keys(e.data ?? {}).length ? JSON.stringify(e.data) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function History(_props: PageProps) {
  const [flows, setFlows] = useState<string[]>([]);
  const [flow, setFlow] = useState('');
  const [jobs, setJobs] = useState<string[]>([]);
  const [job, setJob] = useState('');
  const [history, setHistory] = useState<{ entries: Entry[]; stats: Stats } | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    rpc<Array<{ name: string }>>('flows.list').then((f) => setFlows(f.map((x) => x.name))).catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(() => {
    if (!flow) return;
    rpc<{ nodes: Array<{ job: string }> }>('flows.graph', { flow }).then((g) => setJobs(g.nodes.map((n) => n.job))).catch(() => setJobs([]));
  }, [flow]);
  useEffect(() => {
    if (!flow || !job) return;
    rpc<{ entries: Entry[]; stats: Stats }>('jobs.history', { flow, job, limit: 50 }).then(setHistory).catch((e: unknown) => setError(errorText(e)));
  }, [flow, job]);
  const stats = history?.stats;
  return (
    <section>
      <h1>History</h1>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="toolbar">
        <select aria-label="history flow" value={flow} onChange={(e) => { setFlow(e.target.value); setJob(''); setHistory(null); }}>
          <option value="">flow…</option>{flows.map((f) => <option key={f}>{f}</option>)}
        </select>
        <select aria-label="history job" value={job} onChange={(e) => setJob(e.target.value)}>
          <option value="">job…</option>{jobs.map((j) => <option key={j}>{j}</option>)}
        </select>
      </div>
      {job && history && stats && (
        <div className="history">
          <p data-testid="success-rate">
            <b>{flow} {job}</b>: {stats.attempts} attempts over the last runs, {stats.succeeded} succeeded, {stats.failed} failed;{' '}
            success rate <b>{stats.successRate === null ? '–' : `${Math.round(stats.successRate * 100)}%`}</b>
            {stats.durationMs && <> · duration p50 {duration(stats.durationMs.p50)}, p90 {duration(stats.durationMs.p90)}, max {duration(stats.durationMs.max)}</>}
          </p>
          <Chart entries={history.entries} />
        </div>
      )}
      <EventLog />
    </section>
  );
}
