/**
 * The agent's book of attempts, one JSON file each under `<stateDir>/agent/attempts/`: written (atomically)
 * before the attempt's process starts, again with its outcome when it ends, and removed once the server
 * has the outcome. What the book holds is what a restarted agent re-attaches to or reports.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttemptOutcome, AttemptRequest } from '../engine/ports.js';
import type { LeaseGrant } from './lease-guard.js';

export interface BookEntry {
  /** `run/task/attempt`, as the server names the attempt. */
  key: string;
  req: AttemptRequest;
  startedAt: number;
  /** A singleton attempt's lease (lease-guard.ts). */
  lease?: LeaseGrant;
  outcome?: AttemptOutcome;
}

export class AttemptBook {
  private readonly dir: string;
  private readonly entries = new Map<string, BookEntry>();

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'agent', 'attempts');
    mkdirSync(this.dir, { recursive: true });
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const entry = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as BookEntry;
        if (typeof entry.key === 'string' && entry.req) this.entries.set(entry.key, entry);
      } catch {
        // A file we did not write whole (renamed into place, so not ours) is left alone.
      }
    }
  }

  list(): BookEntry[] {
    return [...this.entries.values()];
  }

  get(key: string): BookEntry | undefined {
    return this.entries.get(key);
  }

  add(key: string, req: AttemptRequest, startedAt: number, lease?: LeaseGrant): BookEntry {
    const entry: BookEntry = { key, req, startedAt, ...(lease && { lease }) };
    this.write(entry);
    this.entries.set(key, entry);
    return entry;
  }

  finish(key: string, outcome: AttemptOutcome): BookEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    entry.outcome = outcome;
    this.write(entry);
    return entry;
  }

  remove(key: string): void {
    this.entries.delete(key);
    try {
      unlinkSync(this.file(key));
    } catch {
      // already gone
    }
  }

  private write(entry: BookEntry): void {
    const path = this.file(entry.key);
    writeFileSync(`${path}.tmp`, JSON.stringify(entry));
    renameSync(`${path}.tmp`, path);
  }

  private file(key: string): string {
    return join(this.dir, `${key.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
  }
}
