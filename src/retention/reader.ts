/** Reading the archive back (`ordo runs --archived`, `ordo show RUN --archived`): docs/retention.md. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { OrdoError } from '../errors.js';
import type { RunArchive } from '../store/archive.js';
import { archiveDir } from './archiver.js';

/** Every archived run (one per id, the latest written), newest first; `flow` filters. */
export function readArchive(stateDir: string, filter: { flow?: string } = {}): RunArchive[] {
  const dir = archiveDir(stateDir);
  if (!existsSync(dir)) return [];
  const byId = new Map<number, RunArchive>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.jsonl.gz')).sort()) {
    let text: string;
    try {
      text = gunzipSync(readFileSync(join(dir, name))).toString('utf8');
    } catch (e) {
      throw new OrdoError('ORDO_STORE', `archive file ${name} cannot be read: ${(e as Error).message}`);
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const doc = JSON.parse(line) as RunArchive;
      if (filter.flow === undefined || doc.run.flow === filter.flow) byId.set(doc.run.id, doc);
    }
  }
  return [...byId.values()].sort((a, b) => b.run.id - a.run.id);
}
