/** Which secrets a job needs: the `${{ secrets.NAME }}` references in its command, env, cwd and connector. */
import type { JobDef } from '../defs/model.js';
import { parseTemplate, refsOf } from '../defs/expr.js';
import type { ResourceCatalog } from '../engine/resources.js';

export function secretsOfTexts(texts: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const t of texts) {
    if (!t.includes('secrets.')) continue;
    for (const ref of refsOf(parseTemplate(t).parts)) if (ref.kind === 'secret') names.add(ref.name);
  }
  return [...names];
}

export function secretsOfJob(job: JobDef, catalog?: ResourceCatalog): string[] {
  const texts: string[] = [...(job.command?.kind === 'argv' ? job.command.argv : []), ...(job.command?.kind === 'shell' ? [job.command.script] : []),
    ...Object.values(job.env), job.cwd ?? ''];
  const connector = job.connector ? catalog?.connectors.get(job.connector.name) : undefined;
  if (connector) {
    texts.push(connector.credentials ?? '');
    texts.push(...Object.values(connector.environments[catalog!.environment] ?? {}));
  }
  return secretsOfTexts(texts);
}
