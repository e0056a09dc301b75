/** History: a job's duration over its last runs (a chart) and success rate; the event log across runs. */
import { useEffect, useState } from 'react';
import { rpc } from '../api';
import type { PageProps } from '../main';
import type { EventRow, RunRow, Task } from '../types';
import { colorOf, duration, errorText, time } from '../util';

interface Point { run: number; state: string; ms: number }

function Chart({ points }: { points: Point[] }) {
  const max = Math.max(1, ...points.map((p) => p.ms));
  const w = 24;
  return (
    <svg width={Math.max(200, points.length * w + 40)} height={170} data-testid="duration-chart">
      {points.map((p, i) => {
        const h = (p.ms / max) * 140;
        return <rect key={p.run} x={30 + i * w} y={150 - h} width={w - 6} height={Math.max(1, h)} fill={colorOf(p.state)}><title>{`run ${p.run}: ${duration(p.ms)} ${p.state}`}</title></rect>;
      })}
      <text x={0} y={12} className="axis">{duration(max)}</text>
      <line x1={28} x2={28} y1={10} y2={150} stroke="#999" /><line x1={28} x2={30 + points.length * w} y1={150} y2={150} stroke="#999" />
    </svg>
  );
}

export function History(_props: PageProps) {
  const [flows, setFlows] = useState<string[]>([]);
  const [flow, setFlow] = useState('');
  const [jobs, setJobs] = useState<string[]>([]);
  const [job, setJob] = useState('');
  const [points, setPoints] = useState<Point[]>([]);
  const [events, setEvents] = useState<EventRow[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    rpc<Array<{ name: string }>>('flows.list').then((f) => setFlows(f.map((x) => x.name))).catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(() => {
    if (!flow) return;
    rpc<{ nodes: Array<{ job: string }> }>('flows.graph', { flow }).then((g) => setJobs(g.nodes.map((n) => n.job))).catch(() => setJobs([]));
    // The event log of the flow's last runs, newest first.
    rpc<RunRow[]>('runs.list', { flow, limit: 10 }).then(async (runs) => {
      const all = await Promise.all(runs.map((r) => rpc<EventRow[]>('runs.events', { run: r.id })));
      setEvents(all.flat().sort((a, b) => b.id - a.id).slice(0, 300));
    }).catch((e: unknown) => setError(errorText(e)));
  }, [flow]);
  useEffect(() => {
    if (!flow || !job) return;
    rpc<RunRow[]>('runs.list', { flow, limit: 30 }).then(async (runs) => {
      const details = await Promise.all(runs.map((r) => rpc<{ tasks: Task[] }>('runs.get', { run: r.id })));
      const pts: Point[] = [];
      details.forEach((d, i) => {
        const t = d.tasks.find((x) => x.job === job);
        if (t?.startedAt && t.endedAt) pts.push({ run: runs[i]!.id, state: t.state, ms: t.endedAt - t.startedAt });
      });
      setPoints(pts.reverse());
    }).catch((e: unknown) => setError(errorText(e)));
  }, [flow, job]);
  const ok = points.filter((p) => p.state === 'succeeded').length;
  return (
    <section>
      <h1>History</h1>
      {error && <p className="error">{error}</p>}
      <div className="toolbar">
        <select aria-label="history flow" value={flow} onChange={(e) => { setFlow(e.target.value); setJob(''); setPoints([]); }}>
          <option value="">flow…</option>{flows.map((f) => <option key={f}>{f}</option>)}
        </select>
        <select aria-label="history job" value={job} onChange={(e) => setJob(e.target.value)}>
          <option value="">job…</option>{jobs.map((j) => <option key={j}>{j}</option>)}
        </select>
      </div>
      {job && (
        <>
          <p data-testid="success-rate">{points.length} runs ended, success rate {points.length ? Math.round((ok / points.length) * 100) : 0}%</p>
          <Chart points={points} />
        </>
      )}
      {events.length > 0 && (
        <>
          <h2>Event log</h2>
          <table className="grid" data-testid="events">
            <thead><tr><th>#</th><th>at</th><th>run</th><th>job</th><th>event</th><th>data</th></tr></thead>
            <tbody>{events.map((e) => <tr key={e.id}><td>{e.id}</td><td>{time(e.at)}</td><td>{e.runId}</td><td>{e.job}</td><td>{e.kind}</td><td>{JSON.stringify(e.data)}</td></tr>)}</tbody>
          </table>
        </>
      )}
    </section>
  );
}
