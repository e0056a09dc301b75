/**
 * Workflows: the workflows and actions (with the command or the remote workers that serve each action), the
 * workflow runs, and a run's trace (steps, action tasks, child workflows, variables); cancel and retry.
 * Workflow runs have no live feed: the page reads them when it opens and when asked (Refresh).
 */
import { useCallback, useEffect, useState } from 'react';
import { rpc } from '../api';
import type { PageProps } from '../main';
import { colorOf, errorText, time } from '../util';

interface WfRun { id: string; workflow: string; status: string; parent: string | null; step: number; createdAt: number; endedAt: number | null; error: { msg?: string } | null }
interface Step { step: number; at: number; op: string; status: string }
interface WfDetail { run: WfRun; version: number; text: string; steps: Step[]; children: WfRun[]; tasks: Array<{ id: number; step: number; action: string; state: string; attempts: number }> }
interface Catalog {
  workflows: Array<{ name: string; version: number; createdAt: number }>;
  actions: Array<{ name: string; version: number; command: string | null; workers: Array<{ name: string; slots: number; used: number }> }>;
}

const STATUS_COLOR: Record<string, string> = { done: 'succeeded', error: 'failed', running: 'running', waiting: 'waiting' };
const pill = (status: string) => <span className="pill" style={{ background: colorOf(STATUS_COLOR[status] ?? status) }}>{status}</span>;

export function Workflows({ can }: PageProps) {
  const [catalog, setCatalog] = useState<Catalog>({ workflows: [], actions: [] });
  const [runs, setRuns] = useState<WfRun[]>([]);
  const [workflow, setWorkflow] = useState('');
  const [open, setOpen] = useState<WfDetail | null>(null);
  const [vars, setVars] = useState<unknown>(null);
  const [error, setError] = useState('');
  const load = useCallback(() => {
    rpc<Catalog>('wf.catalog').then(setCatalog).catch((e: unknown) => setError(errorText(e)));
    rpc<WfRun[]>('wf.list', { limit: 200, ...(workflow && { workflow }) }).then(setRuns).catch((e: unknown) => setError(errorText(e)));
  }, [workflow]);
  useEffect(load, [load]);
  const show = (id: string) => {
    rpc<WfDetail>('wf.get', { run: id }).then(setOpen).catch((e: unknown) => setError(errorText(e)));
    rpc('wf.vars', { run: id }).then(setVars).catch(() => setVars(null));
  };
  const act = (method: string, id: string, question: string) => {
    if (!confirm(question)) return;
    rpc(method, { run: id }).then(() => { load(); show(id); }).catch((e: unknown) => setError(errorText(e)));
  };
  return (
    <section>
      <h1>Workflows <button onClick={() => { load(); if (open) show(open.run.id); }}>Refresh</button></h1>
      {error && <p className="error" role="alert">{error} <button onClick={() => setError('')}>×</button></p>}
      <div className="columns">
        <div>
          <h2>Workflows</h2>
          <table className="grid" data-testid="wf-defs">
            <thead><tr><th>workflow</th><th>version</th><th>since</th></tr></thead>
            <tbody>
              {catalog.workflows.map((w) => (
                <tr key={w.name} className={`link${w.name === workflow ? ' chosen' : ''}`} data-workflow={w.name} onClick={() => setWorkflow(w.name === workflow ? '' : w.name)}>
                  <td><b>{w.name}</b></td><td>v{w.version}</td><td>{time(w.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h2>Actions and their workers</h2>
          <table className="grid" data-testid="wf-actions">
            <thead><tr><th>action</th><th>version</th><th>served by</th></tr></thead>
            <tbody>
              {catalog.actions.map((a) => (
                <tr key={a.name} data-action={a.name}>
                  <td><b>{a.name}</b></td><td>v{a.version}</td>
                  <td>
                    {a.command !== null && <div className="worker">the servers' command worker: <code>{a.command}</code></div>}
                    {a.workers.map((w) => <div key={w.name} className="worker" data-worker={w.name}>worker <b>{w.name}</b>: {w.used} / {w.slots} slots busy</div>)}
                    {a.command === null && a.workers.length === 0 && <span className="error">no worker: its tasks wait</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      <h2>Runs {workflow && <small>of {workflow} <button onClick={() => setWorkflow('')}>all</button></small>}</h2>
      <table className="grid" data-testid="wf-runs">
        <thead><tr><th>run</th><th>workflow</th><th>status</th><th>steps</th><th>parent</th><th>created</th><th>ended</th></tr></thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-run={r.id} className={`link${open?.run.id === r.id ? ' chosen' : ''}`} onClick={() => show(r.id)}>
              <td>{r.id}</td><td>{r.workflow}</td><td>{pill(r.status)}</td><td>{r.step}</td>
              <td>{r.parent ?? ''}</td><td>{time(r.createdAt)}</td><td>{time(r.endedAt)}</td>
            </tr>
          ))}
          {runs.length === 0 && <tr><td colSpan={7} className="hint">No workflow run yet.</td></tr>}
        </tbody>
      </table>
      {open && (
        <div className="wf-detail" data-testid="wf-detail">
          <h2>{open.run.id} {open.run.workflow} v{open.version} {pill(open.run.status)}</h2>
          {open.run.error?.msg && <p className="error">{open.run.error.msg}</p>}
          {can('operate') && open.run.status !== 'done' && open.run.status !== 'error' && (
            <button className="danger" onClick={() => act('wf.cancel', open.run.id, `Cancel ${open.run.id} and the children it waits for?`)}>Cancel</button>
          )}
          {can('operate') && open.run.status === 'error' && <button onClick={() => act('wf.retry', open.run.id, `Retry ${open.run.id} from the step that failed?`)}>Retry</button>}
          <div className="columns">
            <div>
              <h3>Trace</h3><pre className="log" data-testid="wf-trace">{open.text}</pre>
            </div>
            <div>
              <h3>Action tasks</h3>
              <table className="grid" data-testid="wf-tasks">
                <thead><tr><th>step</th><th>action</th><th>state</th><th>attempts</th></tr></thead>
                <tbody>{open.tasks.map((t) => <tr key={t.id}><td>{t.step}</td><td>{t.action}</td><td>{t.state}</td><td>{t.attempts}</td></tr>)}</tbody>
              </table>
              <h3>Child workflows</h3>
              {open.children.length === 0 ? <p className="hint">none</p> : (
                <ul data-testid="wf-children">
                  {open.children.map((c) => <li key={c.id}><a href="#" onClick={(e) => { e.preventDefault(); show(c.id); }}>{c.id} {c.workflow}</a> {pill(c.status)}</li>)}
                </ul>
              )}
              <h3>Variables</h3><pre className="log" data-testid="wf-vars">{JSON.stringify(vars, null, 2)}</pre>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
