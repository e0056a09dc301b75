/** Handlers of the history methods: the same queries as `ordo history` and `ordo events --all`. */
import { eventsAcross, historyStats, jobHistory } from '../../store/history.js';
import { handler, type ApiServices } from '../context.js';

export function historyHandlers(s: ApiServices) {
  return {
    'jobs.history': handler(async (p: { flow: string; job: string; limit?: number }) => {
      const entries = await jobHistory(s.store.sql, p.flow, p.job, p.limit ?? 20);
      return { entries, stats: historyStats(entries) };
    }),
    'events.list': handler(async (p: { after?: number; since?: number; limit?: number }) =>
      eventsAcross(s.store.sql, { after: p.after, since: p.since, limit: p.limit ?? 1000 })),
  };
}
