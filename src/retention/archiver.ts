/**
 * Retention (docs/retention.md): ended runs older than `retention.runs` are written to a compressed JSON lines
 * file under `<state>/archive/` (one file per batch, made complete by rename and fsync before anything is
 * removed), then removed from the database in that batch's own short transaction, with their files; output
 * files of runs older than `retention.logs` are removed. A crash between the file and the removal archives the
 * batch again on the next pass: readers keep one document per run id.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RetentionPolicy } from '../defs/retention.js';
import { RUN_END_STATES } from '../engine/store.js';
import { runDir } from '../exec/paths.js';
import { endedBefore, readArchives, removeRuns } from '../store/archive.js';
import type { SqlPort } from '../store/port.js';

export const BATCH = 200;

export interface ArchiveReport {
  archived: number;
  files: string[];
  /** Runs whose output files were removed (`retention.logs`). */
  logsRemoved: number;
}

export function archiveDir(stateDir: string): string {
  return join(stateDir, 'archive');
}

function writeDurably(path: string, data: Buffer): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(join(path, '..'), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** One pass of the policy at `now`; `dryRun` counts without writing or removing; `stopped` ends it between batches. */
export async function applyRetention(db: SqlPort, stateDir: string, policy: RetentionPolicy, now: number,
  opts: { dryRun?: boolean; stopped?: () => boolean; batch?: number } = {}): Promise<ArchiveReport> {
  const report: ArchiveReport = { archived: 0, files: [], logsRemoved: 0 };
  const batch = opts.batch ?? BATCH;
  if (policy.runsMs !== undefined) {
    const cutoff = now - policy.runsMs;
    let after = 0;
    for (;;) {
      if (opts.stopped?.()) return report;
      const ids = await endedBefore(db, cutoff, batch, after);
      if (ids.length === 0) break;
      after = ids[ids.length - 1]!;
      if (opts.dryRun) {
        report.archived += ids.length;
        continue;
      }
      const docs = await readArchives(db, ids);
      mkdirSync(archiveDir(stateDir), { recursive: true });
      const file = join(archiveDir(stateDir), `runs-${String(ids[0]).padStart(10, '0')}-${String(after).padStart(10, '0')}-${now}.jsonl.gz`);
      writeDurably(file, gzipSync(docs.map((d) => `${JSON.stringify(d)}\n`).join('')));
      const removed = await removeRuns(db, ids);
      for (const id of removed) rmSync(runDir(stateDir, String(id)), { recursive: true, force: true });
      report.archived += removed.length;
      report.files.push(file);
      // Let the engine's transactions in between batches.
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  if (policy.logsMs !== undefined) {
    // Runs old enough to be archived are not counted here: their files went (or would go) with them.
    const archivedBefore = policy.runsMs === undefined ? undefined : now - policy.runsMs;
    report.logsRemoved = await removeOldLogs(db, stateDir, now - policy.logsMs, archivedBefore, Boolean(opts.dryRun));
  }
  return report;
}

/** Removes the files of runs that ended before `cutoff` (or are no longer in the database). */
async function removeOldLogs(db: SqlPort, stateDir: string, cutoff: number, archivedBefore: number | undefined, dryRun: boolean): Promise<number> {
  const runs = join(stateDir, 'runs');
  if (!existsSync(runs)) return 0;
  const ids = readdirSync(runs).filter((d) => /^\d+$/.test(d)).map(Number);
  let removed = 0;
  for (let i = 0; i < ids.length; i += BATCH) {
    const chunk = ids.slice(i, i + BATCH);
    const rows = await db.query(`SELECT id, state, ended_at FROM runs WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk);
    const known = new Map(rows.map((r) => [Number(r.id), r]));
    for (const id of chunk) {
      const r = known.get(id);
      // A run not in this database is left alone: the directory may be another database's (DATABASE_URL changed).
      if (!r || r.ended_at === null || r.ended_at === undefined || Number(r.ended_at) >= cutoff) continue;
      if (!(RUN_END_STATES as readonly string[]).includes(String(r.state))) continue;
      if (archivedBefore !== undefined && Number(r.ended_at) < archivedBefore) continue;
      if (!dryRun) rmSync(runDir(stateDir, String(id)), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
