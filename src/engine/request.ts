/**
 * Builds what an executor gets for one attempt: the job with its `${{ }}` expressions expanded as plain
 * text (an argv element stays one argument, so a parameter value can never inject shell syntax), the
 * job's input document and the ORDO_* environment.
 */
import type { CommandLine, JobDef } from '../defs/model.js';
import type { HttpSpec } from '../defs/kinds.js';
import { dependencyJobs } from '../defs/deps.js';
import { expandTemplate, parseTemplate, type ExprRef } from '../defs/expr.js';
import type { ActiveRun } from './active-run.js';
import type { AttemptRequest } from './ports.js';
import { maskList } from '../secrets/mask.js';
import type { AttemptRow, TaskRow } from './store.js';

/** An expression that has no value at run time (a result key or kv entry not there). */
export class RequestError extends Error {}

export interface RequestContext {
  kv?: Map<string, string>;
  /** The values of the secrets the job references (src/secrets), decrypted for this attempt only. */
  secrets?: Map<string, string>;
  env: Record<string, string>;
  logMaxBytes?: number;
}

const DEFAULT_LOG_MAX = 10 * 1024 * 1024;

export function buildRequest(run: ActiveRun, task: TaskRow, attempt: AttemptRow, ctx: RequestContext): AttemptRequest {
  const job = run.job(task.job);
  const resolve = (ref: ExprRef): string => resolveRef(ref, run, ctx);
  const expand = (text: string): string => {
    if (!text.includes('${{')) return text;
    const parsed = parseTemplate(text);
    if (parsed.errors.length > 0) throw new RequestError(`${job.name}: ${parsed.errors[0]!.message}`);
    return expandTemplate(parsed.parts, resolve);
  };
  // In a shell script an expression becomes a variable reference (`${ORDO_EXPR_n}`) with the value in the
  // environment: the shell never parses a value as code, whatever it holds.
  const exprEnv: Record<string, string> = {};
  const toVariable = (text: string): string => {
    if (!text.includes('${{')) return text;
    const parsed = parseTemplate(text);
    if (parsed.errors.length > 0) throw new RequestError(`${job.name}: ${parsed.errors[0]!.message}`);
    return parsed.parts.map((part) => {
      if (typeof part === 'string') return part;
      const name = `ORDO_EXPR_${Object.keys(exprEnv).length}`;
      exprEnv[name] = resolve(part);
      return `\${${name}}`;
    }).join('');
  };
  const command: CommandLine | undefined = !job.command ? undefined : job.command.kind === 'argv'
    ? { kind: 'argv', argv: job.command.argv.map(expand) }
    : { kind: 'shell', script: toVariable(job.command.script), shell: job.command.shell };
  const expanded: JobDef = {
    ...job,
    command,
    cwd: job.cwd === undefined ? undefined : expand(job.cwd),
    env: { ...Object.fromEntries(Object.entries(job.env).map(([k, v]) => [k, expand(v)])), ...exprEnv },
    ...(job.http && { http: expandHttp(job.http, expand) }),
    ...(job.sql && { sql: { ...job.sql, params: job.sql.params.map(expand) } }),
    ...(job.copy && { copy: { ...job.copy, from: expand(job.copy.from), to: expand(job.copy.to) } }),
  };
  // The results of the jobs it waits on (not of the whole run: that would make each request O(run size)).
  const upstream: Record<string, unknown> = {};
  for (const dep of dependencyJobs(job)) {
    const result = run.tasks.get(dep)?.result;
    if (result) upstream[dep] = result;
  }
  // The connector's environment may name secrets (`${{ secrets.NAME }}`, the only reference it may hold).
  const env = Object.fromEntries(Object.entries(ctx.env).map(([k, v]) => [k, expand(v)]));
  return {
    runId: String(run.row.id),
    taskId: task.id,
    flow: run.def.name,
    job: expanded,
    attempt: attempt.attempt,
    token: attempt.token,
    // Which run, flow, job and attempt is in the ORDO_* variables; the input is what the job computes from.
    input: { params: run.row.params, ...(Object.keys(run.row.vars).length > 0 && { vars: run.row.vars }), results: upstream },
    env: {
      ...env,
      ORDO_RUN_ID: String(run.row.id),
      ORDO_FLOW: run.def.name,
      ORDO_JOB: job.name,
      ORDO_ATTEMPT: String(attempt.attempt),
    },
    logMaxBytes: ctx.logMaxBytes ?? DEFAULT_LOG_MAX,
    ...(ctx.secrets && ctx.secrets.size > 0 ? { mask: maskList(ctx.secrets.values()) } : {}),
  };
}

function expandHttp(http: HttpSpec, expand: (text: string) => string): HttpSpec {
  const deep = (v: unknown): unknown => typeof v === 'string' ? expand(v)
    : Array.isArray(v) ? v.map(deep) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)])) : v;
  return {
    ...http, url: expand(http.url), headers: Object.fromEntries(Object.entries(http.headers).map(([k, v]) => [k, expand(v)])),
    ...(http.body !== undefined && { body: typeof http.body === 'string' ? expand(http.body) : { json: deep(http.body.json) } }),
  };
}

function scalarText(value: unknown, what: string): string {
  if (value === undefined) throw new RequestError(`${what} has no value`);
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function resolveRef(ref: ExprRef, run: ActiveRun, ctx: RequestContext): string {
  switch (ref.kind) {
    case 'params':
      return scalarText(run.row.params[ref.name], `\${{ params.${ref.name} }}`);
    case 'vars': {
      // Runs created before variables existed have none stored: their flow version's are theirs.
      const value = Object.hasOwn(run.row.vars, ref.name) ? run.row.vars[ref.name] : run.def.vars?.[ref.name];
      return scalarText(value, `\${{ vars.${ref.name} }}`);
    }
    case 'run':
      return String(run.row.id);
    case 'kv':
      return scalarText(ctx.kv?.get(ref.key), `\${{ kv.${ref.key} }}`);
    case 'secret': {
      const value = ctx.secrets?.get(ref.name);
      if (value === undefined) throw new RequestError(`\${{ secrets.${ref.name} }}: secret "${ref.name}" is not set (an admin sets it with: ordo secret set ${ref.name})`);
      return value;
    }
    case 'result': {
      let value: unknown = run.tasks.get(ref.job)?.result ?? undefined;
      for (const key of ref.path) {
        value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      }
      return scalarText(value, `\${{ jobs.${ref.job}.result.${ref.path.join('.')} }}`);
    }
    default: {
      const never: never = ref;
      throw new RequestError(`unknown reference ${JSON.stringify(never)}`);
    }
  }
}
