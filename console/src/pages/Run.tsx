/**
 * A run: its DAG with live colours, the Gantt of its attempts, a job's details and actions, and bulk actions
 * on the selected jobs. Task changes from the live feed recolour jobs at once; the run's details (attempts,
 * forecast) are read again at most once a second while changes arrive.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { feed, rpc } from '../api';
import type { PageProps } from '../main';
import type { Forecast, Graph, RunRow, Task } from '../types';
import { colorOf, errorText, time } from '../util';
import { BulkBar } from './Bulk';
import { Dag } from './Dag';
import { Gantt } from './Gantt';
import { JobPanel } from './JobPanel';

interface RunDetail {
  run: RunRow;
  tasks: Task[];
}

export function Run({ id, can }: PageProps & { id: number }) {
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [graph, setGraph] = useState<Graph | null>(null);
  const [forecast, setForecast] = useState<Forecast | null>(null);
  const [states, setStates] = useState<Map<string, string>>(new Map());
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [focus, setFocus] = useState<string | null>(null);
  const [view, setView] = useState<'dag' | 'gantt'>('dag');
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const lastPick = useRef<string | null>(null);

  const loadForecast = useCallback(() => {
    rpc<Forecast>('runs.forecast', { run: id }).then(setForecast).catch(() => setForecast(null));
  }, [id]);
  /** The run and its tasks; then the forecast unless `first` (the graph goes first: it is what a big run's page waits for). */
  const load = useCallback(async (first = false) => {
    try {
      const d = await rpc<RunDetail>('runs.get', { run: id });
      setDetail(d);
      setStates(new Map(d.tasks.map((t) => [t.job, t.state])));
      if (!first) loadForecast();
      return d;
    } catch (err) {
      setError(errorText(err));
      return null;
    }
  }, [id, loadForecast]);

  const loadGraph = useCallback((flow: string) => rpc<Graph>('flows.graph', { flow }).then(setGraph).catch((e: unknown) => setError(errorText(e))), []);
  useEffect(() => {
    setGraph(null);
    setForecast(null);
    void load(true).then(async (d) => {
      if (!d) return;
      await loadGraph(d.run.flow);
      loadForecast();
    });
  }, [load, loadGraph, loadForecast]);

  // Live: recolour within a tenth of a second (a big run sends thousands of changes: they are applied in
  // batches, one render each); read the details again at most once a second.
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    let changes = new Map<string, string>();
    let flush: ReturnType<typeof setTimeout> | null = null;
    const reload = () => {
      if (pending.current) return;
      pending.current = setTimeout(() => {
        pending.current = null;
        void load();
        setTick((t) => t + 1);
      }, 1000);
    };
    const stop = feed.listen((method, c) => {
      if (c.run !== id) return;
      if (method === 'task.changed' && c.job && c.state) {
        changes.set(c.job, c.state);
        flush ??= setTimeout(() => {
          flush = null;
          const batch = changes;
          changes = new Map();
          setStates((old) => {
            const next = new Map(old);
            for (const [job, state] of batch) next.set(job, state);
            return next;
          });
        }, 100);
      }
      reload();
    }, reload);
    return () => {
      stop();
      if (flush) clearTimeout(flush);
      if (pending.current) clearTimeout(pending.current);
      pending.current = null;
    };
  }, [id, load]);

  const jobs = useMemo(() => graph?.nodes.map((n) => n.job) ?? [], [graph]);
  const pick = useCallback((job: string, e: React.MouseEvent) => {
    if (e.shiftKey && lastPick.current !== null) {
      const a = jobs.indexOf(lastPick.current);
      const b = jobs.indexOf(job);
      const range = jobs.slice(Math.min(a, b), Math.max(a, b) + 1);
      setSelected((old) => new Set([...old, ...range]));
    } else if (e.ctrlKey || e.metaKey) {
      setSelected((old) => {
        const next = new Set(old);
        if (!next.delete(job)) next.add(job);
        return next;
      });
    } else {
      setFocus(job);
    }
    lastPick.current = job;
  }, [jobs]);

  if (error && !detail) return <p className="error">{error}</p>;
  if (!detail) return <p>Loading run {id}…</p>;
  const { run, tasks } = detail;
  const counts: Record<string, number> = {};
  for (const s of states.values()) counts[s] = (counts[s] ?? 0) + 1;
  const task = focus ? tasks.find((t) => t.job === focus) : undefined;
  return (
    <section>
      <h1>
        Run {run.id} <small>{run.flow}</small>{' '}
        <span className="pill" data-testid="run-state" style={{ background: colorOf(run.state) }}>{run.state}</span>
        {can('operate') && (run.state === 'running' || run.state === 'pending') && (
          <button className="danger" onClick={() => {
            if (confirm(`Abort run ${run.id} and its ${tasks.filter((t) => !/succeeded|failed|skipped|aborted|expired/.test(t.state)).length} unfinished jobs?`)) {
              rpc('runs.abort', { run: run.id }).catch((e: unknown) => setError(errorText(e)));
            }
          }}>Abort run</button>
        )}
      </h1>
      <p className="meta">
        created {time(run.createdAt)} · params {JSON.stringify(run.params)} ·{' '}
        {forecast && (forecast.ended ? <>ended {time(forecast.end)}</> : <span data-testid="forecast">forecast end {time(forecast.end)}</span>)}
        {forecast && forecast.late.length > 0 && <span className="error"> · late: {forecast.late.join(', ')}</span>}
      </p>
      <div className="counts" data-testid="task-counts">
        {Object.entries(counts).sort().map(([s, n]) => <span key={s} className="pill" style={{ background: colorOf(s) }}>{s} {n}</span>)}
      </div>
      {error && <p className="error" role="alert">{error} <button onClick={() => setError('')}>×</button></p>}
      {can('operate') && (
        <BulkBar run={run.id} tasks={tasks} states={states} selected={selected} setSelected={setSelected} onDone={() => void load()} onError={setError} />
      )}
      <div className="tabs">
        <button className={view === 'dag' ? 'active' : ''} onClick={() => setView('dag')}>Graph</button>
        <button className={view === 'gantt' ? 'active' : ''} onClick={() => setView('gantt')}>Gantt</button>
      </div>
      <div className="run-body">
        <div className="run-chart">
          {view === 'dag' && graph && <Dag graph={graph} states={states} selected={selected} focus={focus} onPick={pick} />}
          {view === 'gantt' && graph && <Gantt tasks={tasks} graph={graph} forecast={forecast} now={Date.now()} />}
        </div>
        {task && <JobPanel key={task.job} run={run} task={task} state={states.get(task.job) ?? task.state} tick={tick} can={can}
          enabled={graph?.nodes.find((n) => n.job === task.job)?.enabled ?? true}
          onChanged={(flags) => { void load(); if (flags) void loadGraph(run.flow); }} onError={setError} />}
      </div>
    </section>
  );
}
