/**
 * What a server does while it leads (docs/servers.md): the trigger scheduler, whose writes carry the term's
 * fence, and retention. Started when the server is elected, stopped when it stops leading; on a store of its
 * own (SQLite, one server) the server leads from its start, by the same path.
 */
import type { Logger } from 'pino';
import type { Project } from '../defs/model.js';
import type { Clock } from '../engine/ports.js';
import { applyRetention } from '../retention/archiver.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { Leadership, leaderTimingFrom, type Term } from './leadership.js';
import { startPeriodic, type Periodic } from './periodic.js';
import { startScheduling, type Scheduling } from './scheduling.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function archiveEveryMs(env: NodeJS.ProcessEnv): number {
  const n = Number(env.ORDO_ARCHIVE_EVERY_MS);
  return Number.isInteger(n) && n >= 1000 ? n : DAY_MS;
}

export interface LeadingOptions {
  project: Project;
  store: OrdoStore;
  stateDir: string;
  clock: Clock;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  server: { id: string; version: string; apiUrl: string | null };
  /** Run the trigger scheduler while leading (default true). */
  triggers?: boolean;
  /** Called with each run a fire created (the server drives it). */
  onRun(runId: number): void;
}

export async function startLeading(opts: LeadingOptions): Promise<Leadership> {
  const { project, store, logger } = opts;
  let scheduling: Scheduling | null = null;
  let archiving: Periodic | null = null;
  const leadership = new Leadership({
    db: store.sql, server: opts.server, timing: leaderTimingFrom(opts.env), now: () => opts.clock.now(), logger,
    async onElected(term: Term) {
      if (opts.triggers !== false) {
        scheduling = await startScheduling({ project, store, clock: opts.clock, logger, onRun: opts.onRun, guard: term.guard });
      }
      // Retention (docs/retention.md): once a day (ORDO_ARCHIVE_EVERY_MS), in batches between the engine's work.
      const retention = project.settings.retention;
      archiving = retention ? startPeriodic(async (stopped) => {
        const r = await applyRetention(store.sql, opts.stateDir, retention, Date.now(), { stopped });
        if (r.archived > 0 || r.logsRemoved > 0) logger.info({ archived: r.archived, files: r.files.length, logsRemoved: r.logsRemoved }, 'retention applied');
      }, archiveEveryMs(opts.env), { onError: (err) => logger.error({ err }, 'retention'), unref: true }) : null;
    },
    async onDeposed() {
      const [s, a] = [scheduling, archiving];
      scheduling = null;
      archiving = null;
      await a?.stop();
      await s?.stop();
    },
  });
  await leadership.start();
  return leadership;
}
