/**
 * Resources: gates (open/close), connectors with their usage (block/unblock), locks and who holds them, and
 * hosts (drain/resume). Holders change when tasks start and end: the page reads the lists again when the
 * live feed reports a change (at most once a second), never on a timer.
 */
import { useCallback, useEffect, useState } from 'react';
import { feed, rpc } from '../api';
import type { PageProps } from '../main';
import { colorOf, errorText, navigate, time } from '../util';

interface Holder { runId: number; job: string; mode: string }
interface Resource { name: string; kind: 'gate' | 'lock' | 'connector' | 'host'; closed: boolean; reason: string | null; limit: number | null; holders: Holder[] }
interface Host {
  name: string; transport: string; state: string; slots: number; running: number; address?: string; reason?: string;
  labels: Record<string, string>; agent?: { connectedAt: number; version?: string }; checkedAt?: number;
}

const HOST_STATE: Record<string, string> = { up: 'succeeded', away: 'waiting', down: 'failed', draining: 'aborted' };

function shortName(r: Resource): string {
  return r.name.includes(':') ? r.name.slice(r.name.indexOf(':') + 1) : r.name;
}

function Holders({ holders }: { holders: Holder[] }) {
  if (holders.length === 0) return <span className="hint">nobody</span>;
  return (
    <>
      {holders.map((h) => (
        <a key={`${h.runId}/${h.job}`} href={`/runs/${h.runId}`} className="holder" onClick={(e) => { e.preventDefault(); navigate(`/runs/${h.runId}`); }}>
          run {h.runId} {h.job} ({h.mode})
        </a>
      ))}
    </>
  );
}

function Usage({ used, limit }: { used: number; limit: number | null }) {
  const share = limit ? Math.min(1, used / limit) : 0;
  return (
    <span className="usage" title={limit ? `${used} of ${limit}` : `${used} (no limit)`}>
      <span className="usage-bar"><span style={{ width: `${share * 100}%`, background: share >= 1 ? '#c62828' : '#1e88e5' }} /></span>
      {used} / {limit ?? '∞'}
    </span>
  );
}

export function Resources({ can }: PageProps) {
  const [resources, setResources] = useState<Resource[]>([]);
  const [hosts, setHosts] = useState<Host[]>([]);
  const [error, setError] = useState('');
  const load = useCallback(() => {
    rpc<Resource[]>('resources.list').then(setResources).catch((e: unknown) => setError(errorText(e)));
    rpc<Host[]>('hosts.list').then(setHosts).catch(() => setHosts([]));
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = feed.listen(() => {
      timer ??= setTimeout(() => { timer = null; load(); }, 1000);
    }, load);
    return () => { stop(); if (timer) clearTimeout(timer); };
  }, [load]);
  const act = (method: string, params: Record<string, unknown>, question: string) => {
    if (!confirm(question)) return;
    rpc(method, params).then(load).catch((e: unknown) => setError(errorText(e)));
  };
  const of = (kind: Resource['kind']) => resources.filter((r) => r.kind === kind);
  return (
    <section data-testid="resources">
      <h1>Resources</h1>
      {error && <p className="error" role="alert">{error}</p>}

      <h2>Gates</h2>
      <table className="grid" data-testid="gates">
        <thead><tr><th>gate</th><th>state</th><th>held by</th><th /></tr></thead>
        <tbody>
          {of('gate').map((r) => (
            <tr key={r.name} data-resource={r.name} data-closed={String(r.closed)}>
              <td><b>{shortName(r)}</b></td>
              <td><span className="pill" style={{ background: r.closed ? '#c62828' : '#2e7d32' }}>{r.closed ? 'closed' : 'open'}</span>{r.reason ? ` ${r.reason}` : ''}</td>
              <td><Holders holders={r.holders} /></td>
              <td>{can('operate') && (r.closed
                ? <button onClick={() => act('gates.open', { name: shortName(r) }, `Open gate ${shortName(r)}? Jobs waiting for it may start.`)}>Open</button>
                : <button onClick={() => act('gates.close', { name: shortName(r) }, `Close gate ${shortName(r)}? Jobs that need it will be held.`)}>Close</button>)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Connectors</h2>
      <table className="grid" data-testid="connectors">
        <thead><tr><th>connector</th><th>state</th><th>in use</th><th>used by</th><th /></tr></thead>
        <tbody>
          {of('connector').map((r) => (
            <tr key={r.name} data-resource={r.name} data-used={r.holders.length}>
              <td><b>{shortName(r)}</b></td>
              <td><span className="pill" style={{ background: r.closed ? '#c62828' : '#2e7d32' }}>{r.closed ? 'blocked' : 'open'}</span>{r.reason ? ` ${r.reason}` : ''}</td>
              <td><Usage used={r.holders.length} limit={r.limit} /></td>
              <td><Holders holders={r.holders} /></td>
              <td>{can('operate') && (r.closed
                ? <button onClick={() => act('connectors.unblock', { name: shortName(r) }, `Unblock connector ${shortName(r)}?`)}>Unblock</button>
                : <button onClick={() => act('connectors.block', { name: shortName(r) }, `Block connector ${shortName(r)}? Jobs that use it will be held.`)}>Block</button>)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Locks</h2>
      {of('lock').length === 0 ? <p className="hint">No lock is held.</p> : (
        <table className="grid" data-testid="locks">
          <thead><tr><th>lock</th><th>holders</th></tr></thead>
          <tbody>
            {of('lock').map((r) => (
              <tr key={r.name} data-resource={r.name}><td><b>{shortName(r)}</b></td><td><Holders holders={r.holders} /></td></tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Hosts</h2>
      {hosts.length === 0 ? <p className="hint">No host is declared in ordo.yaml: every job runs on the server.</p> : (
        <table className="grid" data-testid="hosts">
          <thead><tr><th>host</th><th>transport</th><th>state</th><th>running / slots</th><th>labels</th><th>since</th><th /></tr></thead>
          <tbody>
            {hosts.map((h) => (
              <tr key={h.name} data-host={h.name} data-state={h.state}>
                <td><b>{h.name}</b>{h.address ? <span className="hint"> {h.address}</span> : null}</td>
                <td>{h.transport}</td>
                <td><span className="pill" style={{ background: colorOf(HOST_STATE[h.state] ?? h.state) }}>{h.state}</span>{h.reason ? <span className="hint"> {h.reason}</span> : null}</td>
                <td><Usage used={h.running} limit={h.slots} /></td>
                <td>{Object.entries(h.labels).map(([k, v]) => `${k}=${v}`).join(', ')}</td>
                <td>{time(h.agent?.connectedAt ?? h.checkedAt)}</td>
                <td>{can('operate') && (h.state === 'draining'
                  ? <button onClick={() => act('hosts.resume', { name: h.name }, `Resume host ${h.name}? It takes jobs again.`)}>Resume</button>
                  : <button onClick={() => act('hosts.drain', { name: h.name }, `Drain host ${h.name}? Its running jobs finish, no new job starts there.`)}>Drain</button>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
