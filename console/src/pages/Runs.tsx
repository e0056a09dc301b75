/** Runs: the live list with state colours, filters (flow, state, date, business date), search and counts per state. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { feed, rpc } from '../api';
import type { PageProps } from '../main';
import type { RunRow } from '../types';
import { colorOf, duration, errorText, navigate, time } from '../util';

const RUN_STATES = ['pending', 'running', 'succeeded', 'failed', 'aborted'];

export function Runs({ can }: PageProps) {
  const [runs, setRuns] = useState<RunRow[]>([]);
  const [flows, setFlows] = useState<string[]>([]);
  const [flow, setFlow] = useState('');
  const [state, setState] = useState('');
  const [date, setDate] = useState('');
  const [businessDate, setBusinessDate] = useState('');
  const [search, setSearch] = useState('');
  const [error, setError] = useState('');
  const [startFlow, setStartFlow] = useState('');

  const load = useCallback(() => {
    rpc<RunRow[]>('runs.list', { limit: 500, ...(flow && { flow }), ...(state && { state }) })
      .then(setRuns).catch((e: unknown) => setError(errorText(e)));
  }, [flow, state]);
  useEffect(load, [load]);
  useEffect(() => {
    rpc<Array<{ name: string }>>('flows.list').then((f) => setFlows(f.map((x) => x.name))).catch(() => {});
  }, []);
  // Live: a known run changes state in place; a new run reloads the list.
  useEffect(() => feed.listen((method, c) => {
    if (method !== 'run.changed' || c.state === null) return;
    setRuns((old) => {
      if (!old.some((r) => r.id === c.run)) {
        load();
        return old;
      }
      return old.map((r) => (r.id === c.run ? { ...r, state: c.state!, ...(c.kind === 'run_started' && { startedAt: c.at }), ...(/^run_(succeeded|failed|aborted)$/.test(c.kind) && { endedAt: c.at }) } : r));
    });
  }, load), [load]);

  const shown = useMemo(() => runs.filter((r) => {
    if (date && new Date(r.createdAt).toISOString().slice(0, 10) !== date) return false;
    if (businessDate && String(r.params.business_date ?? '') !== businessDate) return false;
    if (search && !`${r.id} ${r.flow} ${JSON.stringify(r.params)}`.toLowerCase().includes(search.toLowerCase())) return false;
    return true;
  }), [runs, date, businessDate, search]);
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const r of shown) c[r.state] = (c[r.state] ?? 0) + 1;
    return c;
  }, [shown]);

  const start = () => {
    rpc<{ run: number }>('runs.start', { flow: startFlow }).then((r) => navigate(`/runs/${r.run}`)).catch((e: unknown) => setError(errorText(e)));
  };

  return (
    <section>
      <h1>Runs</h1>
      <div className="toolbar">
        <select aria-label="flow" value={flow} onChange={(e) => setFlow(e.target.value)}>
          <option value="">all flows</option>{flows.map((f) => <option key={f}>{f}</option>)}
        </select>
        <select aria-label="state" value={state} onChange={(e) => setState(e.target.value)}>
          <option value="">all states</option>{RUN_STATES.map((s) => <option key={s}>{s}</option>)}
        </select>
        <label>created <input type="date" value={date} onChange={(e) => setDate(e.target.value)} /></label>
        <label>business date <input type="date" value={businessDate} onChange={(e) => setBusinessDate(e.target.value)} /></label>
        <input type="search" placeholder="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        {can('operate') && (
          <span className="start">
            <select aria-label="flow to start" value={startFlow} onChange={(e) => setStartFlow(e.target.value)}>
              <option value="">flow to start…</option>{flows.map((f) => <option key={f}>{f}</option>)}
            </select>
            <button disabled={!startFlow} onClick={start}>Start run</button>
          </span>
        )}
      </div>
      <div className="counts" data-testid="run-counts">
        {RUN_STATES.map((s) => <span key={s} className="pill" style={{ background: colorOf(s) }}>{s} {counts[s] ?? 0}</span>)}
      </div>
      {error && <p className="error">{error}</p>}
      <table className="grid" data-testid="runs">
        <thead><tr><th>run</th><th>flow</th><th>state</th><th>business date</th><th>created</th><th>duration</th></tr></thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.id} data-run={r.id} data-state={r.state} onClick={() => navigate(`/runs/${r.id}`)} className="link">
              <td>{r.id}</td><td>{r.flow}</td>
              <td><span className="pill" style={{ background: colorOf(r.state) }}>{r.state}</span></td>
              <td>{String(r.params.business_date ?? '')}</td><td>{time(r.createdAt)}</td>
              <td>{r.startedAt ? duration((r.endedAt ?? Date.now()) - r.startedAt) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
