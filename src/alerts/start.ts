/**
 * Starts the handler dispatcher of an `ordo server` (docs/alerts.md). Its timings come from the
 * environment, for tests and for sites that want them: ORDO_HANDLER_POLL_MS (500), ORDO_HANDLER_LEASE_MS
 * (60000: a delivery a dead server was making is made again after this), ORDO_HANDLER_BACKOFF_MS (5000,
 * doubled per retry, at most an hour).
 */
import type { Logger } from 'pino';
import type { ProjectSettings } from '../defs/model.js';
import type { Runtime } from '../server/runtime.js';
import { revealSecrets } from '../secrets/vault.js';
import { HandlerDispatcher } from './dispatcher.js';

function ms(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name]);
  return Number.isFinite(n) && n >= 10 ? n : fallback;
}

export function startHandlerDispatcher(rt: Runtime, projectDir: string, settings: () => ProjectSettings, logger: Logger,
  env: NodeJS.ProcessEnv = process.env): HandlerDispatcher {
  const key = rt.masterKey;
  const d = new HandlerDispatcher({
    db: rt.store.sql, owner: rt.engine.owner, stateDir: rt.stateDir, projectDir, smtp: () => settings().smtp,
    ...(key && { secrets: (names: string[]) => revealSecrets(rt.store.sql, key, names) }),
    pollMs: ms(env, 'ORDO_HANDLER_POLL_MS', 500), leaseMs: ms(env, 'ORDO_HANDLER_LEASE_MS', 60_000), backoffMs: ms(env, 'ORDO_HANDLER_BACKOFF_MS', 5_000),
    log: (level, msg, data) => logger[level](data, msg),
  });
  d.start();
  return d;
}
