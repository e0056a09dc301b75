/**
 * Starts the handler dispatcher of an `ordo server` (docs/alerts.md). Its timings come from the
 * environment, for tests and for sites that want them: ORDO_HANDLER_POLL_MS (500), ORDO_HANDLER_LEASE_MS
 * (60000: a delivery a dead server was making is made again after this), ORDO_HANDLER_BACKOFF_MS (5000,
 * doubled per retry, at most an hour); the deadline watch's ORDO_DEADLINE_WATCH_MS (30000).
 */
import type { Logger } from 'pino';
import type { ProjectSettings } from '../defs/model.js';
import type { Runtime } from '../server/runtime.js';
import { revealSecrets } from '../secrets/vault.js';
import { startDeadlineWatch } from './deadline-watch.js';
import { HandlerDispatcher } from './dispatcher.js';

function ms(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name]);
  return Number.isFinite(n) && n >= 10 ? n : fallback;
}

/** The dispatcher and the deadline watch (ORDO_DEADLINE_WATCH_MS, 30000) of one server. */
export function startHandlerDispatcher(rt: Runtime, projectDir: string, settings: () => ProjectSettings, logger: Logger,
  env: NodeJS.ProcessEnv = process.env): { stop(): Promise<void> } {
  const key = rt.masterKey;
  const d = new HandlerDispatcher({
    db: rt.store.sql, owner: rt.engine.owner, stateDir: rt.stateDir, projectDir, smtp: () => settings().smtp,
    ...(key && { secrets: (names: string[]) => revealSecrets(rt.store.sql, key, names) }),
    pollMs: ms(env, 'ORDO_HANDLER_POLL_MS', 500), leaseMs: ms(env, 'ORDO_HANDLER_LEASE_MS', 60_000), backoffMs: ms(env, 'ORDO_HANDLER_BACKOFF_MS', 5_000),
    log: (level, msg, data) => logger[level](data, msg),
  });
  d.start();
  const watch = startDeadlineWatch(rt.store, settings, () => rt.engine.maxParallelNow, ms(env, 'ORDO_DEADLINE_WATCH_MS', 30_000),
    (err) => logger.warn({ err }, 'deadline watch'));
  return {
    async stop() {
      await watch.stop();
      await d.stop();
    },
  };
}
