/**
 * Bulk actions on the selected jobs of a run: select by ctrl/shift-click in the graph or "all failed", pick
 * an action, confirm a list of what changes, and the server applies it in one transaction (runs.bulk).
 */
import { useState } from 'react';
import { rpc } from '../api';
import type { Task } from '../types';
import { errorText } from '../util';

type Action = 'skip' | 'abort' | 'restart:only' | 'restart:downstream' | 'restart:failed';
const ENDED = new Set(['succeeded', 'failed', 'skipped', 'aborted', 'expired']);

/** What the action makes of a job in this state, or null when it does not apply. */
function outcome(action: Action, state: string): string | null {
  if (action === 'skip') return state === 'running' || ENDED.has(state) ? null : 'skipped when runnable';
  if (action === 'abort') return ENDED.has(state) ? null : 'aborted';
  return state === 'running' || state === 'ready' ? null : 'waiting again';
}

interface BulkProps {
  run: number;
  tasks: Task[];
  states: Map<string, string>;
  selected: Set<string>;
  setSelected: (s: Set<string>) => void;
  onDone: () => void;
  onError: (text: string) => void;
}

export function BulkBar({ run, tasks, states, selected, setSelected, onDone, onError }: BulkProps) {
  const [action, setAction] = useState<Action>('skip');
  const [confirming, setConfirming] = useState(false);
  const jobs = [...selected];
  const apply = () => {
    const [verb, mode] = action.split(':') as [string, string | undefined];
    rpc('runs.bulk', { run, action: verb, jobs, ...(mode && { mode }) })
      .then(() => {
        setSelected(new Set());
        onDone();
      })
      .catch((e: unknown) => onError(errorText(e)))
      .finally(() => setConfirming(false));
  };
  return (
    <div className="bulk" data-testid="bulk">
      <span>{selected.size} selected</span>
      <button onClick={() => setSelected(new Set(tasks.filter((t) => (states.get(t.job) ?? t.state) === 'failed').map((t) => t.job)))}>All failed</button>
      <button onClick={() => setSelected(new Set())} disabled={selected.size === 0}>Clear</button>
      <select aria-label="bulk action" value={action} onChange={(e) => setAction(e.target.value as Action)}>
        <option value="skip">skip</option>
        <option value="abort">abort</option>
        <option value="restart:only">restart only</option>
        <option value="restart:downstream">restart with downstream</option>
        <option value="restart:failed">restart failed downstream</option>
      </select>
      <button disabled={selected.size === 0} onClick={() => setConfirming(true)}>Apply…</button>
      {confirming && (
        <div className="dialog" role="dialog" data-testid="bulk-confirm">
          <h3>{action.replace(':', ' ')} {jobs.length} job(s) of run {run}?</h3>
          <ul>
            {jobs.map((j) => {
              const state = states.get(j) ?? '?';
              const to = outcome(action, state);
              return <li key={j} className={to ? '' : 'error'}>{j}: {state} → {to ?? 'refused (the whole action will be refused)'}</li>;
            })}
          </ul>
          <p className="hint">Applied in one transaction: all of them change, or none.</p>
          <button className="danger" onClick={apply}>Confirm</button> <button onClick={() => setConfirming(false)}>Cancel</button>
        </div>
      )}
    </div>
  );
}
