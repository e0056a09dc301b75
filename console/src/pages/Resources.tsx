/** Resources: gates (open/close), connectors (usage, block/unblock), locks and who holds them; hosts (drain/resume). */
import { useCallback, useEffect, useState } from 'react';
import { feed, rpc } from '../api';
import type { PageProps } from '../main';
import { errorText } from '../util';

interface Resource { name: string; closed: boolean; reason: string | null; holders: Array<{ runId: number; job: string; mode: string }> }
interface Host { name: string; state: string; slots: number; running: number }

export function Resources({ can }: PageProps) {
  const [resources, setResources] = useState<Resource[]>([]);
  const [hosts, setHosts] = useState<Host[]>([]);
  const [error, setError] = useState('');
  const load = useCallback(() => {
    rpc<Resource[]>('resources.list').then(setResources).catch((e: unknown) => setError(errorText(e)));
    rpc<Host[]>('hosts.list').then(setHosts).catch(() => setHosts([]));
  }, []);
  useEffect(load, [load]);
  // Holders change when tasks start and end: reload on task changes (at most once a second).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = feed.listen(() => {
      timer ??= setTimeout(() => { timer = null; load(); }, 1000);
    }, load);
    return () => { stop(); if (timer) clearTimeout(timer); };
  }, [load]);
  const act = (method: string, params: Record<string, unknown>) => rpc(method, params).then(load).catch((e: unknown) => setError(errorText(e)));
  return (
    <section>
      <h1>Resources</h1>
      {error && <p className="error">{error}</p>}
      <table className="grid" data-testid="resources">
        <thead><tr><th>resource</th><th>state</th><th>held by</th><th /></tr></thead>
        <tbody>
          {resources.map((r) => {
            const [kind, name] = r.name.includes(':') ? r.name.split(':', 2) as [string, string] : ['lock', r.name];
            return (
              <tr key={r.name} data-resource={r.name}>
                <td>{kind} <b>{name}</b></td>
                <td>{r.closed ? (kind === 'connector' ? 'blocked' : 'closed') : 'open'}{r.reason ? ` (${r.reason})` : ''}</td>
                <td>{r.holders.length} {r.holders.map((h) => `run ${h.runId} ${h.job} (${h.mode})`).join(', ')}</td>
                <td>{can('operate') && kind === 'connector' && (r.closed
                  ? <button onClick={() => void act('connectors.unblock', { name })}>Unblock</button>
                  : <button onClick={() => void act('connectors.block', { name })}>Block</button>)}
                {can('operate') && kind !== 'connector' && (r.closed
                  ? <button onClick={() => void act('gates.open', { name })}>Open</button>
                  : <button onClick={() => void act('gates.close', { name })}>Close</button>)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {hosts.length > 0 && (
        <>
          <h2>Hosts</h2>
          <table className="grid" data-testid="hosts">
            <thead><tr><th>host</th><th>state</th><th>running / slots</th><th /></tr></thead>
            <tbody>
              {hosts.map((h) => (
                <tr key={h.name}><td>{h.name}</td><td>{h.state}</td><td>{h.running} / {h.slots}</td>
                  <td>{can('operate') && (h.state === 'draining'
                    ? <button onClick={() => void act('hosts.resume', { name: h.name })}>Resume</button>
                    : <button onClick={() => void act('hosts.drain', { name: h.name })}>Drain</button>)}</td></tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
