/** Schedules and plans: flows with triggers, their next fires, pause/resume, backfill, and a month calendar with holidays. */
import { useCallback, useEffect, useState } from 'react';
import { rpc } from '../api';
import type { PageProps } from '../main';
import { errorText } from '../util';

interface Schedule { flow: string; paused: boolean; triggers: string[]; lastFire: { at: string; state: string; run: number | null } | null }
interface Year { calendar: string; year: number; workingDays: string[]; nonWorkingDays: Array<{ date: string; reason: string; name?: string }> }

function Month({ year, month, data }: { year: number; month: number; data: Year }) {
  const off = new Map(data.nonWorkingDays.map((d) => [d.date, d]));
  const first = new Date(Date.UTC(year, month, 1));
  const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7;
  const cells = [...Array(lead).fill(null), ...Array.from({ length: days }, (_, i) => i + 1)] as Array<number | null>;
  return (
    <div className="calendar" data-testid="calendar">
      {['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'].map((d) => <b key={d}>{d}</b>)}
      {cells.map((d, i) => {
        if (d === null) return <span key={`e${i}`} />;
        const date = `${year}-${String(month + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        const o = off.get(date);
        return <span key={date} className={o ? o.reason : 'working'} title={o ? (o.name ?? o.reason) : 'working day'}>{d}</span>;
      })}
    </div>
  );
}

export function Schedules({ can }: PageProps) {
  const [list, setList] = useState<Schedule[]>([]);
  const [next, setNext] = useState<Record<string, Array<{ at: string; businessDate: string }>>>({});
  const [error, setError] = useState('');
  const [calendar, setCalendar] = useState('');
  const [month, setMonth] = useState(() => new Date().toISOString().slice(0, 7));
  const [year, setYear] = useState<Year | null>(null);
  const [backfill, setBackfill] = useState({ flow: '', from: '', to: '' });
  const load = useCallback(() => {
    rpc<Schedule[]>('schedules.list').then(async (l) => {
      setList(l);
      const fires: typeof next = {};
      for (const s of l) fires[s.flow] = await rpc<Array<{ at: string; businessDate: string }>>('plans.next', { plan: s.flow, count: 5 }).catch(() => []);
      setNext(fires);
    }).catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);
  const act = (method: string, params: Record<string, unknown>) => rpc(method, params).then(load).catch((e: unknown) => setError(errorText(e)));
  const showCalendar = () => rpc<Year>('calendars.year', { calendar, year: Number(month.slice(0, 4)) }).then(setYear).catch((e: unknown) => setError(errorText(e)));
  return (
    <section>
      <h1>Schedules</h1>
      {error && <p className="error">{error}</p>}
      <table className="grid" data-testid="schedules">
        <thead><tr><th>flow</th><th>triggers</th><th>state</th><th>last fire</th><th>next fires</th><th /></tr></thead>
        <tbody>
          {list.map((s) => (
            <tr key={s.flow}>
              <td>{s.flow}</td><td>{s.triggers.join('; ')}</td><td>{s.paused ? 'paused' : 'active'}</td>
              <td>{s.lastFire ? `${s.lastFire.at} ${s.lastFire.state}` : ''}</td>
              <td>{(next[s.flow] ?? []).map((f) => <div key={f.at}>{f.at} ({f.businessDate})</div>)}</td>
              <td>{can('operate') && (s.paused
                ? <button onClick={() => void act('schedules.resume', { flow: s.flow })}>Resume</button>
                : <button onClick={() => void act('schedules.pause', { flow: s.flow })}>Pause</button>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {can('operate') && (
        <div className="toolbar">
          <b>Backfill</b>
          <select aria-label="backfill flow" value={backfill.flow} onChange={(e) => setBackfill({ ...backfill, flow: e.target.value })}>
            <option value="">flow…</option>{list.map((s) => <option key={s.flow}>{s.flow}</option>)}
          </select>
          <input type="date" value={backfill.from} onChange={(e) => setBackfill({ ...backfill, from: e.target.value })} />
          <input type="date" value={backfill.to} onChange={(e) => setBackfill({ ...backfill, to: e.target.value })} />
          <button disabled={!backfill.flow || !backfill.from || !backfill.to} onClick={() => {
            if (confirm(`Queue a run of ${backfill.flow} for every fire from ${backfill.from} to ${backfill.to}?`)) void act('schedules.backfill', backfill);
          }}>Backfill</button>
        </div>
      )}
      <h2>Calendar</h2>
      <div className="toolbar">
        <input placeholder="calendar name" value={calendar} onChange={(e) => setCalendar(e.target.value)} />
        <input type="month" value={month} onChange={(e) => setMonth(e.target.value)} />
        <button disabled={!calendar} onClick={() => void showCalendar()}>Show</button>
      </div>
      {year && <Month year={Number(month.slice(0, 4))} month={Number(month.slice(5, 7)) - 1} data={year} />}
    </section>
  );
}
