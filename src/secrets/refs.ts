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

/** The strings of an http, sql or copy job that may hold expressions. */
function kindTexts(job: JobDef): string[] {
  const out: string[] = [];
  const deep = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(deep);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(deep);
  };
  if (job.http) deep([job.http.url, job.http.headers, job.http.body]);
  if (job.sql) deep(job.sql.params);
  if (job.copy) deep([job.copy.from, job.copy.to]);
  return out;
}

export function secretsOfJob(job: JobDef, catalog?: ResourceCatalog): string[] {
  const texts: string[] = [...(job.command?.kind === 'argv' ? job.command.argv : []), ...(job.command?.kind === 'shell' ? [job.command.script] : []),
    ...Object.values(job.env), job.cwd ?? '', ...kindTexts(job)];
  const connector = job.connector ? catalog?.connectors.get(job.connector.name) : undefined;
  if (connector) {
    texts.push(connector.credentials ?? '');
    texts.push(...Object.values(connector.environments[catalog!.environment] ?? {}));
  }
  return secretsOfTexts(texts);
}
