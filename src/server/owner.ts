/**
 * Engine identity and liveness. An owner is `host/pid/nonce`; on the same host a dead pid proves the
 * owner is gone at once, elsewhere only an expired heartbeat does.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RunRow } from '../engine/store.js';

export function newOwner(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

export function isOwnerDead(owner: string): boolean {
  const [host, pidText] = owner.split('/');
  if (host !== hostname() || !pidText) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether someone is driving the run: an owner with a fresh heartbeat that is not known dead. */
export function ownerAlive(run: RunRow, now: number, leaseMs: number): boolean {
  if (!run.owner) return false;
  if (isOwnerDead(run.owner)) return false;
  return run.heartbeatAt !== null && run.heartbeatAt >= now - leaseMs;
}
