/**
 * `ordo servers`: the servers sharing the store, which one leads (runs the trigger scheduler), how old its
 * lease is, and the open runs each owns (docs/servers.md). Read from the store (DATABASE_URL, or the
 * project's SQLite file), or with `--server` from a server's `servers.list`.
 */
import type { Command } from 'commander';
import { leaderTimingFrom } from '../../server/leadership.js';
import { serversView, type ServersView } from '../../server/servers-view.js';
import { action, READ_ONLY, withStore } from '../context.js';
import { duration, table, time } from '../format.js';

/** The lease in one line: who leads, since when, and when the lease runs out unless renewed. */
export function leaseLine(v: ServersView): string {
  const l = v.lease;
  if (!l) return 'leader: none yet (no server has run on this store)\n';
  if (!l.held) {
    const how = l.releasedAt !== null ? `was let go ${duration(v.now - l.releasedAt)} ago (its server stopped)` : `ran out ${duration(v.now - l.expiresAt)} ago`;
    return `leader: none now; the lease of ${l.server} (fence ${l.fence}) ${how}: the next server to look takes it\n`;
  }
  return `leader: ${l.server} (fence ${l.fence}), leading for ${duration(v.now - l.since)}; lease expires in ${duration(l.expiresAt - v.now)} unless renewed\n`;
}

export function printServers(v: ServersView, json: boolean): void {
  if (json) return void process.stdout.write(`${JSON.stringify(v)}\n`);
  process.stdout.write(leaseLine(v));
  process.stdout.write(table(['SERVER', 'HOST', 'PID', 'STATE', 'ROLE', 'STARTED', 'HEARTBEAT', 'RUNS', 'API'], v.servers.map((s) => [
    s.id, s.host, String(s.pid), s.state, s.leader ? 'leader' : '-', time(s.startedAt), `${duration(v.now - s.heartbeatAt)} ago`,
    String(s.runs), s.apiUrl ?? '-',
  ])));
}

export function registerServersCommand(program: Command): void {
  program.command('servers')
    .description('the servers sharing the store: which one leads (runs the trigger scheduler), lease age, heartbeats, open runs owned')
    .option('-d, --dir <dir>', 'project directory')
    .option('--all', 'also stopped servers and those silent for over an hour')
    .option('--json', 'print JSON')
    .action(action(async (opts: { dir?: string; all?: boolean; json?: boolean }) => {
      const view = await withStore(opts, (store) =>
        serversView(store.sql, Date.now(), { silentAfterMs: leaderTimingFrom().leaseMs, all: opts.all === true }), READ_ONLY);
      printServers(view, opts.json === true);
    }));
}
