/**
 * Schedules and plans: the flows with triggers (next fires, last fire, pause/resume, backfill), the plans of
 * ordo.yaml with the flows they drive, and a month calendar of a plan's calendar with its holidays.
 * A fire starts a run: the list is read again when the live feed reports a new run (at most once a second).
 */
import { useCallback, useEffect, useState } from 'react';
import { feed, rpc } from '../api';
import type { PageProps } from '../main';
import { errorText } from '../util';

interface Schedule { flow: string; paused: boolean; triggers: string[]; overlap: string; catchup: string; lastFire: { at: string; state: string; run: number | null } | null }
interface Fire { at: string; businessDate: string }
interface Plans { calendars: Array<{ name: string; zone: string }>; plans: Array<{ name: string; calendar: string | null; description: string | null; flows: string[] }> }
interface Year { calendar: string; zone: string; year: number; workingDays: string[]; nonWorkingDays: Array<{ date: string; reason: string; name?: string }> }

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function Month({ year, month, data, fires }: { year: number; month: number; data: Year; fires: Set<string> }) {
  const off = new Map(data.nonWorkingDays.map((d) => [d.date, d]));
  const first = new Date(Date.UTC(year, month, 1));
  const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7;
  const cells = [...Array(lead).fill(null), ...Array.from({ length: days }, (_, i) => i + 1)] as Array<number | null>;
  const holidays = data.nonWorkingDays.filter((d) => d.reason === 'holiday' && d.date.startsWith(`${year}-${String(month + 1).padStart(2, '0')}`));
  return (
    <div className="month">
      <div className="calendar" data-testid="calendar">
        {['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'].map((d) => <b key={d}>{d}</b>)}
        {cells.map((d, i) => {
          if (d === null) return <span key={`e${i}`} />;
          const date = `${year}-${String(month + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          const o = off.get(date);
          return (
            <span key={date} data-date={date} className={`${o ? o.reason : 'working'}${fires.has(date) ? ' fire' : ''}`}
              title={`${o ? (o.name ?? o.reason) : 'working day'}${fires.has(date) ? ' · the plan fires' : ''}`}>{d}</span>
          );
        })}
      </div>
      <ul className="holidays" data-testid="holidays">
        {holidays.map((h) => <li key={h.date}>{h.date} {h.name ?? 'holiday'}</li>)}
        {holidays.length === 0 && <li className="hint">no holiday this month</li>}
      </ul>
    </div>
  );
}

export function Schedules({ can }: PageProps) {
  const [list, setList] = useState<Schedule[]>([]);
  const [next, setNext] = useState<Record<string, Fire[]>>({});
  const [plans, setPlans] = useState<Plans>({ calendars: [], plans: [] });
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [plan, setPlan] = useState('');
  const [month, setMonth] = useState(() => new Date().toISOString().slice(0, 7));
  const [year, setYear] = useState<Year | null>(null);
  const [planFires, setPlanFires] = useState<Set<string>>(new Set());
  const [backfill, setBackfill] = useState({ flow: '', from: '', to: '' });
  const load = useCallback(() => {
    rpc<Schedule[]>('schedules.list').then(async (l) => {
      setList(l);
      const fires = await Promise.all(l.map((s) => rpc<Fire[]>('plans.next', { plan: s.flow, count: 3 }).catch(() => [])));
      setNext(Object.fromEntries(l.map((s, i) => [s.flow, fires[i]!])));
    }).catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    rpc<Plans>('plans.list').then((p) => {
      setPlans(p);
      setPlan((old) => old || (p.plans.find((x) => x.calendar)?.name ?? p.plans[0]?.name ?? ''));
    }).catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = feed.listen((method, c) => {
      if (method === 'run.changed' && c.kind === 'run_created') timer ??= setTimeout(() => { timer = null; load(); }, 1000);
    }, load);
    return () => { stop(); if (timer) clearTimeout(timer); };
  }, [load]);

  // The month calendar: the plan's calendar (or the first calendar), and the days the plan fires that month.
  const chosen = plans.plans.find((p) => p.name === plan);
  const calendar = chosen?.calendar ?? plans.calendars[0]?.name ?? '';
  useEffect(() => {
    if (!calendar) return;
    rpc<Year>('calendars.year', { calendar, year: Number(month.slice(0, 4)) }).then(setYear).catch((e: unknown) => setError(errorText(e)));
  }, [calendar, month]);
  useEffect(() => {
    if (!plan) return;
    rpc<Fire[]>('plans.next', { plan, count: 62, from: `${month}-01T00:00` })
      .then((f) => setPlanFires(new Set(f.map((x) => x.at.slice(0, 10)).filter((d) => d.startsWith(month)))))
      .catch(() => setPlanFires(new Set()));
  }, [plan, month]);
  const shift = (n: number) => {
    const [y, m] = month.split('-').map(Number) as [number, number];
    const d = new Date(Date.UTC(y, m - 1 + n, 1));
    setMonth(d.toISOString().slice(0, 7));
  };

  const act = (method: string, params: Record<string, unknown>) => rpc(method, params).then(load).catch((e: unknown) => setError(errorText(e)));
  const runBackfill = () => {
    if (!confirm(`Queue a run of ${backfill.flow} for every fire with a business date from ${backfill.from} to ${backfill.to}?`)) return;
    rpc<Array<{ at: string; businessDate: string }>>('schedules.backfill', backfill)
      .then((queued) => { setNotice(`Backfill of ${backfill.flow}: ${queued.length} run(s) queued${queued.length ? ` (${queued.map((q) => q.businessDate).join(', ')})` : ''}.`); load(); })
      .catch((e: unknown) => setError(errorText(e)));
  };
  const [y, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1];
  return (
    <section>
      <h1>Schedules</h1>
      {error && <p className="error" role="alert">{error} <button onClick={() => setError('')}>×</button></p>}
      {notice && <p className="notice" data-testid="notice">{notice}</p>}
      <table className="grid" data-testid="schedules">
        <thead><tr><th>flow</th><th>triggers</th><th>state</th><th>last fire</th><th>next fires (business date)</th><th /></tr></thead>
        <tbody>
          {list.map((s) => (
            <tr key={s.flow} data-flow={s.flow} data-paused={String(s.paused)}>
              <td><b>{s.flow}</b></td><td>{s.triggers.join('; ')}<div className="hint">overlap {s.overlap}, catch-up {s.catchup}</div></td>
              <td><span className="pill" style={{ background: s.paused ? '#ef6c00' : '#2e7d32' }}>{s.paused ? 'paused' : 'active'}</span></td>
              <td>{s.lastFire ? `${s.lastFire.at} ${s.lastFire.state}${s.lastFire.run ? ` (run ${s.lastFire.run})` : ''}` : ''}</td>
              <td className="fires">{(next[s.flow] ?? []).map((f) => <div key={f.at}>{f.at} ({f.businessDate})</div>)}</td>
              <td>{can('operate') && (s.paused
                ? <button onClick={() => void act('schedules.resume', { flow: s.flow })}>Resume</button>
                : <button onClick={() => { if (confirm(`Pause the schedule of ${s.flow}? Its fires are skipped until resumed.`)) void act('schedules.pause', { flow: s.flow }); }}>Pause</button>)}</td>
            </tr>
          ))}
          {list.length === 0 && <tr><td colSpan={6} className="hint">No flow has a trigger.</td></tr>}
        </tbody>
      </table>
      {can('operate') && list.length > 0 && (
        <div className="toolbar">
          <b>Backfill</b>
          <select aria-label="backfill flow" value={backfill.flow} onChange={(e) => setBackfill({ ...backfill, flow: e.target.value })}>
            <option value="">flow…</option>{list.map((s) => <option key={s.flow}>{s.flow}</option>)}
          </select>
          <label>from <input type="date" aria-label="backfill from" value={backfill.from} onChange={(e) => setBackfill({ ...backfill, from: e.target.value })} /></label>
          <label>to <input type="date" aria-label="backfill to" value={backfill.to} onChange={(e) => setBackfill({ ...backfill, to: e.target.value })} /></label>
          <button disabled={!backfill.flow || !backfill.from || !backfill.to} onClick={runBackfill}>Backfill</button>
        </div>
      )}

      <h2>Plans</h2>
      <table className="grid" data-testid="plans">
        <thead><tr><th>plan</th><th>calendar</th><th>flows</th><th>description</th></tr></thead>
        <tbody>
          {plans.plans.map((p) => (
            <tr key={p.name} className={`link${p.name === plan ? ' chosen' : ''}`} onClick={() => setPlan(p.name)} data-plan={p.name}>
              <td><b>{p.name}</b></td><td>{p.calendar ?? <span className="hint">Mon–Fri</span>}</td><td>{p.flows.join(', ')}</td><td>{p.description ?? ''}</td>
            </tr>
          ))}
          {plans.plans.length === 0 && <tr><td colSpan={4} className="hint">ordo.yaml declares no plan.</td></tr>}
        </tbody>
      </table>

      {calendar && (
        <>
          <h2>
            <button aria-label="previous month" onClick={() => shift(-1)}>‹</button>{' '}
            <span data-testid="month">{MONTHS[m]} {y}</span>{' '}
            <button aria-label="next month" onClick={() => shift(1)}>›</button>{' '}
            <small className="hint">calendar {calendar}{year ? ` (${year.zone})` : ''}{plan ? `, fires of plan ${plan} outlined` : ''}</small>
          </h2>
          {year && year.year === y && <Month year={y} month={m} data={year} fires={planFires} />}
        </>
      )}
    </section>
  );
}
