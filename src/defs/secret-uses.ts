/**
 * Where definitions name secrets (`${{ secrets.NAME }}` in handlers, `smtp.password`, connectors, jobs and
 * batches), collected while the files are read, so that a tool that can see the store (`ordo validate`, a
 * server's `flows.validate` and `flows.reload`) says at file:line:column which names are not set there. A
 * warning, not an error: secrets are the store's state, set by an admin, not part of the definitions.
 */
import { suggest } from '../suggest.js';
import type { Diagnostic } from './diagnostics.js';
import type { SourceLocation } from './model.js';

export interface SecretUse {
  name: string;
  at: SourceLocation;
  /** What names it, for the message: `"webhook.secret" of handler 1 of flow "f"`. */
  label: string;
}

/** One warning per place and name (a template's reference is read once per job that uses it), in file order. */
export function unsetSecrets(uses: readonly SecretUse[], known: ReadonlySet<string>): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const u of uses) {
    const key = `${u.at.file}:${u.at.line}:${u.at.column}:${u.name}`;
    if (known.has(u.name) || seen.has(key)) continue;
    seen.add(key);
    const set = [...known].sort().join(', ') || 'none';
    out.push({
      code: 'ORDO_UNKNOWN_SECRET', severity: 'warning', at: u.at,
      message: `${u.label} names secret "${u.name}", which is not set${suggest(u.name, known)} (secrets: ${set}); an admin sets it with: ordo secret set ${u.name}`,
    });
  }
  return out.sort((a, b) => a.at.file.localeCompare(b.at.file) || a.at.line - b.at.line || a.at.column - b.at.column);
}
