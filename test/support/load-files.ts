/** A project written into a temp folder and loaded: its result and its diagnostics as `file:line:column: CODE message` lines. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatDiagnostic } from '../../src/defs/diagnostics.js';
import { loadProject, type LoadResult } from '../../src/defs/load.js';
import { tempDir } from './tmp.js';

export async function loadFiles(files: Record<string, string>): Promise<LoadResult & { lines: string[] }> {
  const tmp = tempDir('ordo-defs-');
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(tmp.path, name)), { recursive: true });
      writeFileSync(join(tmp.path, name), text);
    }
    const result = await loadProject(tmp.path);
    return { ...result, lines: result.diagnostics.map(formatDiagnostic) };
  } finally {
    tmp.cleanup();
  }
}
