/**
 * The servers sharing a store (docs/servers.md): each `ordo server` registers a row when it starts, writes its
 * heartbeat while it runs and marks the row stopped when it stops. The id is the server's engine owner
 * (`host/pid/nonce`), so the runs it owns are the open runs whose `owner` is that id.
 */
import type { SqlPort } from './port.js';

export interface ServerRow {
  id: string;
  host: string;
  pid: number;
  version: string;
  /** Where its API listens; null without one. */
  apiUrl: string | null;
  startedAt: number;
  heartbeatAt: number;
  stoppedAt: number | null;
  /** Open (pending or running) runs it owns. */
  runs: number;
}

export interface NewServer {
  id: string;
  host: string;
  pid: number;
  version: string;
  apiUrl: string | null;
}

function toServer(r: Record<string, unknown>): ServerRow {
  return {
    id: String(r.id), host: String(r.host), pid: Number(r.pid), version: String(r.version), apiUrl: r.api_url === null ? null : String(r.api_url),
    startedAt: Number(r.started_at), heartbeatAt: Number(r.heartbeat_at), stoppedAt: r.stopped_at === null ? null : Number(r.stopped_at),
    runs: Number(r.runs ?? 0),
  };
}

export class ServerStore {
  constructor(private readonly db: SqlPort) {}

  async register(s: NewServer, now: number): Promise<void> {
    await this.db.run(
      'INSERT INTO servers (id, host, pid, version, api_url, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (id) DO UPDATE SET api_url = excluded.api_url, heartbeat_at = excluded.heartbeat_at, stopped_at = NULL',
      [s.id, s.host, s.pid, s.version, s.apiUrl, now, now]);
  }

  /** False when the row is gone (pruned while this server was cut off): register again. */
  async heartbeat(id: string, now: number): Promise<boolean> {
    return (await this.db.run('UPDATE servers SET heartbeat_at = ? WHERE id = ? AND stopped_at IS NULL', [now, id])) > 0;
  }

  async stop(id: string, now: number): Promise<void> {
    await this.db.run('UPDATE servers SET stopped_at = ?, heartbeat_at = ? WHERE id = ?', [now, now, id]);
  }

  /** Servers heard from since `since` (live, silent or stopped), oldest first, with the open runs each owns. */
  async list(since: number): Promise<ServerRow[]> {
    const rows = await this.db.query(
      'SELECT s.*, o.runs FROM servers s LEFT JOIN (' +
      "SELECT owner, COUNT(*) AS runs FROM runs WHERE state IN ('pending', 'running') AND owner IS NOT NULL GROUP BY owner" +
      ') o ON o.owner = s.id WHERE s.heartbeat_at >= ? ORDER BY s.started_at, s.id', [since]);
    return rows.map(toServer);
  }

  /** Forgets servers not heard from since `before`; how many. */
  async prune(before: number): Promise<number> {
    return this.db.run('DELETE FROM servers WHERE heartbeat_at < ?', [before]);
  }
}
