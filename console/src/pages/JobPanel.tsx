/**
 * One job of a run: its attempts (exit, duration), why it waits, its log tailing live, and the operator's
 * actions on it (shown only to roles that may operate; the server checks them again).
 * The log has no push channel: while the job runs its tail is read once a second from where it stopped.
 */
import { useEffect, useRef, useState } from 'react';
import { rpc } from '../api';
import type { RunRow, Task } from '../types';
import { colorOf, duration, errorText, time } from '../util';

const ENDED = new Set(['succeeded', 'failed', 'skipped', 'aborted', 'expired']);
const MAX_LOG = 64 * 1024;

interface Props {
  run: RunRow;
  task: Task;
  state: string;
  tick: number;
  can: (p: string) => boolean;
  /** Whether the job is enabled in its flow. */
  enabled: boolean;
  /** After an action; `flags`: the job's enabled flag changed (the graph shows it). */
  onChanged: (flags?: boolean) => void;
  onError: (text: string) => void;
}

function useLogTail(run: number, job: string, running: boolean, tick: number): string {
  const [text, setText] = useState('');
  const offset = useRef(0);
  useEffect(() => {
    offset.current = 0;
    setText('');
  }, [run, job]);
  useEffect(() => {
    let stopped = false;
    const read = () => rpc<{ text: string; nextOffset: number }>('runs.logs', { run, job, stream: 'all', offset: offset.current, limit: MAX_LOG })
      .then((page) => {
        if (stopped || page.nextOffset === offset.current) return;
        offset.current = page.nextOffset;
        setText((old) => (old + page.text).slice(-MAX_LOG));
      })
      .catch(() => {});
    void read();
    if (!running) return () => { stopped = true; };
    const timer = setInterval(read, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [run, job, running, tick]);
  return text;
}

export function JobPanel({ run, task, state, tick, can, enabled, onChanged, onError }: Props) {
  const [why, setWhy] = useState('');
  const log = useLogTail(run.id, task.job, state === 'running', tick);
  useEffect(() => {
    if (state === 'waiting' || state === 'ready') {
      rpc<{ text: string }>('runs.why', { run: run.id, job: task.job }).then((w) => setWhy(w.text)).catch(() => setWhy(''));
    } else setWhy('');
  }, [run.id, task.job, state, tick]);
  const act = (method: string, params: Record<string, unknown>, question: string) => {
    if (!confirm(question)) return;
    rpc(method, params).then(() => onChanged(method.startsWith('jobs.'))).catch((e: unknown) => onError(errorText(e)));
  };
  const p = { run: run.id, job: task.job };
  return (
    <aside className="job" data-testid="job-panel" data-job={task.job}>
      <h2>{task.job} <span className="pill" data-testid="job-state" style={{ background: colorOf(state) }}>{state}</span>{!enabled && <span className="pill" style={{ background: '#607d8b' }}>disabled</span>}</h2>
      {task.reason && <p>reason: {task.reason}</p>}
      {why && <p className="why" data-testid="why">why: {why}</p>}
      {can('operate') && (
        <div className="actions">
          {!ENDED.has(state) && state !== 'running' && <button onClick={() => act('runs.skip', p, `Skip ${task.job}?`)}>Skip</button>}
          {!ENDED.has(state) && <button className="danger" onClick={() => act('runs.abort', p, `${state === 'running' ? 'Kill' : 'Abort'} ${task.job}?`)}>{state === 'running' ? 'Kill' : 'Abort'}</button>}
          {state !== 'running' && state !== 'ready' && (
            <>
              <button onClick={() => act('runs.restart', { ...p, mode: 'only' }, `Restart only ${task.job}?`)}>Restart only</button>
              <button onClick={() => act('runs.restart', { ...p, mode: 'downstream' }, `Restart ${task.job} and its downstream jobs?`)}>Restart downstream</button>
              <button onClick={() => act('runs.restart', { ...p, mode: 'failed' }, `Restart ${task.job} and its downstream jobs that did not succeed?`)}>Restart failed</button>
            </>
          )}
          {enabled
            ? <button onClick={() => act('jobs.disable', { flow: run.flow, job: task.job }, `Disable ${task.job} in flow ${run.flow}? It is skipped in runs until enabled.`)}>Disable</button>
            : <button onClick={() => act('jobs.enable', { flow: run.flow, job: task.job }, `Enable ${task.job} in flow ${run.flow}?`)}>Enable</button>}
        </div>
      )}
      <table className="grid" data-testid="attempts">
        <thead><tr><th>#</th><th>state</th><th>exit</th><th>started</th><th>duration</th></tr></thead>
        <tbody>
          {task.attemptsList.map((a) => (
            <tr key={a.attempt}>
              <td>{a.attempt}</td><td><span className="pill" style={{ background: colorOf(a.state) }}>{a.state}</span></td>
              <td>{a.exitCode ?? a.signal ?? a.error ?? ''}</td><td>{time(a.startedAt)}</td>
              <td>{duration((a.endedAt ?? Date.now()) - a.startedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Log</h3>
      <pre className="log" data-testid="log">{log || '(no output)'}</pre>
    </aside>
  );
}
