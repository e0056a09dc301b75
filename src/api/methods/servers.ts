/** Handlers of the servers' view (src/server/servers-view.ts). */
import { leaderTimingFrom } from '../../server/leadership.js';
import { serversView } from '../../server/servers-view.js';
import { handler, type ApiServices } from '../context.js';

export function serversHandlers(s: ApiServices) {
  return {
    'servers.list': handler(async (p: { all?: boolean }) =>
      serversView(s.store.sql, s.now(), { silentAfterMs: leaderTimingFrom().leaseMs, all: p.all === true })),
  };
}
