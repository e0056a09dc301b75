/** Handlers of the schedule methods: the same operations as `ordo schedules|fires|pause|resume|backfill`. */
import { backfill, scheduleRows } from '../../server/schedule-ops.js';
import { FireStore } from '../../store/fires.js';
import { handler, type ApiServices } from '../context.js';

export function scheduleHandlers(s: ApiServices) {
  const fires = () => new FireStore(s.store.sql);
  const setPaused = (paused: boolean) => handler(async (p: { flow: string }, call) => {
    const flow = s.project.flow(p.flow);
    await fires().setPaused(flow.name, paused, call.principal.name, s.now());
    return { flow: flow.name, paused };
  });
  return {
    'schedules.list': handler(async () => scheduleRows(s.project.current, fires())),
    'schedules.fires': handler(async (p: { flow: string; limit?: number }) => fires().list(s.project.flow(p.flow).name, p.limit ?? 20)),
    'schedules.pause': setPaused(true),
    'schedules.resume': setPaused(false),
    'schedules.backfill': handler(async (p: { flow: string; from: string; to: string }) =>
      backfill(s.project.current, s.project.flow(p.flow), p, s.store, fires(), { from: 'from', to: 'to' })),
  };
}
