/** Workflows: the workflow runs, and a run's trace (steps, tasks, child workflows, variables); cancel and retry. */
import { useCallback, useEffect, useState } from 'react';
import { rpc } from '../api';
import type { PageProps } from '../main';
import { colorOf, errorText, time } from '../util';

interface WfRun { id: string; workflow: string; status: string; parent: string | null; createdAt: number; endedAt: number | null }
interface WfDetail { run: WfRun; text: string; children: WfRun[]; tasks: Array<{ id: number; action: string; state: string; attempts: number }> }

const STATUS_COLOR: Record<string, string> = { done: 'succeeded', error: 'failed', running: 'running', waiting: 'waiting' };

export function Workflows({ can }: PageProps) {
  const [runs, setRuns] = useState<WfRun[]>([]);
  const [open, setOpen] = useState<WfDetail | null>(null);
  const [vars, setVars] = useState<unknown>(null);
  const [error, setError] = useState('');
  const load = useCallback(() => {
    rpc<WfRun[]>('wf.list', { limit: 200 }).then(setRuns).catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);
  const show = (id: string) => {
    rpc<WfDetail>('wf.get', { run: id }).then(setOpen).catch((e: unknown) => setError(errorText(e)));
    rpc('wf.vars', { run: id }).then(setVars).catch(() => setVars(null));
  };
  const act = (method: string, id: string) => rpc(method, { run: id }).then(() => { load(); show(id); }).catch((e: unknown) => setError(errorText(e)));
  return (
    <section>
      <h1>Workflows</h1>
      {error && <p className="error">{error}</p>}
      <table className="grid" data-testid="wf-runs">
        <thead><tr><th>run</th><th>workflow</th><th>status</th><th>parent</th><th>created</th><th>ended</th></tr></thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} className="link" onClick={() => show(r.id)}>
              <td>{r.id}</td><td>{r.workflow}</td><td><span className="pill" style={{ background: colorOf(STATUS_COLOR[r.status] ?? r.status) }}>{r.status}</span></td>
              <td>{r.parent ?? ''}</td><td>{time(r.createdAt)}</td><td>{time(r.endedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && (
        <div className="wf-detail">
          <h2>{open.run.id} {open.run.workflow}</h2>
          {can('operate') && open.run.status !== 'done' && open.run.status !== 'error' && <button className="danger" onClick={() => void act('wf.cancel', open.run.id)}>Cancel</button>}
          {can('operate') && open.run.status === 'error' && <button onClick={() => void act('wf.retry', open.run.id)}>Retry</button>}
          <h3>Trace</h3><pre className="log">{open.text}</pre>
          <h3>Actions called</h3>
          <ul>{open.tasks.map((t) => <li key={t.id}>{t.action}: {t.state} ({t.attempts} attempts)</li>)}</ul>
          {open.children.length > 0 && <><h3>Child workflows</h3><ul>{open.children.map((c) => <li key={c.id}><a href="#" onClick={(e) => { e.preventDefault(); show(c.id); }}>{c.id} {c.workflow}</a> {c.status}</li>)}</ul></>}
          <h3>Variables</h3><pre className="log">{JSON.stringify(vars, null, 2)}</pre>
        </div>
      )}
    </section>
  );
}
