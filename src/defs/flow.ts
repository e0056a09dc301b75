/**
 * Compiles one flow file: its header, parameters and jobs, then the checks that need the whole flow
 * (dependencies name existing jobs, no cycles, expressions name declared parameters and existing jobs).
 */
import { suggest } from '../suggest.js';
import type { YAMLMap } from 'yaml';
import { findCycles } from './cycles.js';
import { dependencyRefs, readAfter } from './deps.js';
import { describeRef } from './expr.js';
import { compileJob, type LocatedRef } from './job.js';
import type { Dependency, FlowDef, JobDef, ParamDef, ProjectSettings } from './model.js';
import { readDeadline, readPriority } from './resources.js';
import { copyEndpointsProblem } from './copy-endpoint.js';
import { readHandlers, type HandlerDef } from './handlers.js';
import { readSchedule } from './triggers.js';
import { placeSingleton, readSingleton } from './singleton.js';
import { readParams } from './params.js';
import { checkVarRefs, readVars } from './vars.js';
import { FLOW_KEYS, NAME_PATTERN, type JobKey } from './spec.js';
import { readLayer, type TemplateRegistry } from './templates.js';
import { entries, type Diagnostics, type Entry, type Reader } from './yaml.js';

/** The flow, or undefined when any part of it has an error (the diagnostics say which). */
export function compileFlow(reader: Reader, root: YAMLMap, templates: TemplateRegistry, settings: ProjectSettings): FlowDef | undefined {
  const diags = reader.diags;
  const before = diags.list.length;
  const fields = new Map(reader.strictEntries(root, FLOW_KEYS, 'a flow file').map((e) => [e.key, e]));
  const nameEntry = fields.get('flow')!;
  const name = reader.string(nameEntry.value, '"flow"');
  if (name === undefined) return undefined;
  if (!NAME_PATTERN.test(name)) {
    diags.error('ORDO_BAD_VALUE', `flow name "${name}" must start with a letter and hold only letters, digits, "_" or "-"`, reader.at(nameEntry.value));
  }
  const descEntry = fields.get('description');
  const description = descEntry ? reader.string(descEntry.value, `"description" of flow "${name}"`) : undefined;
  const mpEntry = fields.get('maxParallel');
  const maxParallel = mpEntry ? reader.integer(mpEntry.value, `"maxParallel" of flow "${name}"`, 1) : undefined;
  const prioEntry = fields.get('priority');
  const priority = prioEntry ? readPriority(reader, prioEntry.value, `flow "${name}"`) : 0;
  const deadlineEntry = fields.get('deadline');
  const deadline = deadlineEntry ? readDeadline(reader, deadlineEntry.value, `flow "${name}"`) : undefined;
  const schedule = readSchedule(reader, name, fields);
  const singleton = readSingleton(reader, name, fields, settings);
  const handlersEntry = fields.get('handlers');
  const handlers = [...(handlersEntry ? readHandlers(reader, handlersEntry.value, `flow "${name}"`, 'flow') : []), ...settings.handlers];
  const varsEntry = fields.get('vars');
  const vars = { ...settings.vars, ...(varsEntry ? readVars(reader, varsEntry.value, `flow "${name}"`) : {}) };
  const paramsEntry = fields.get('params');
  const paramsMap = paramsEntry ? reader.map(paramsEntry.value, `"params" of flow "${name}"`) : undefined;
  const params: ParamDef[] = paramsMap ? readParams(reader, paramsMap, name) : [];

  const workflowEntry = fields.get('workflow');
  const jobsEntry = fields.get('jobs');
  const jobs: JobDef[] = [];
  const refs: { job: string; ref: LocatedRef }[] = [];
  if (workflowEntry) {
    if (jobsEntry) {
      diags.error('ORDO_BAD_VALUE', `flow "${name}" has both "jobs" and "workflow": a flow either lists jobs or runs one workflow`, reader.at(workflowEntry.keyNode));
      return undefined;
    }
    const job = workflowJob(reader, fields);
    jobs.push({ ...job.job, after: [] });
    for (const ref of job.refs) refs.push({ job: job.job.name, ref });
  } else {
    if (fields.has('input')) {
      diags.error('ORDO_BAD_VALUE', `"input" of flow "${name}" is only for a flow that runs a workflow ("workflow: NAME")`, reader.at(fields.get('input')!.keyNode));
    }
    if (!jobsEntry) {
      diags.error('ORDO_MISSING_KEY', `flow "${name}" has no "jobs" (or "workflow": the workflow it runs)`, reader.at(nameEntry.keyNode));
      return undefined;
    }
    const jobsMap = reader.map(jobsEntry.value, `"jobs" of flow "${name}"`);
    if (!jobsMap) return undefined;
    readJobs(reader, jobsMap, templates, jobs, refs);
    if (jobs.length === 0 && diags.list.length === before) {
      diags.error('ORDO_MISSING_KEY', `flow "${name}" has no jobs`, reader.at(jobsEntry.value));
    }
  }
  checkGraph(reader, name, jobs);
  checkRefs(name, jobs, params, refs);
  checkVarRefs(name, vars, refs);
  checkResources(reader, jobs, settings);
  const placed = singleton ? placeSingleton(reader, name, jobs, singleton) : jobs;
  if (diags.list.slice(before).some((d) => d.severity === 'error')) return undefined;
  checkEmail(diags, jobs, handlers, settings);
  return { name, description, file: reader.src.file, params, jobs: placed, maxParallel, priority, deadline, schedule, ...(handlers.length > 0 && { handlers }), ...(Object.keys(vars).length > 0 && { vars }) };
}

function readJobs(reader: Reader, jobsMap: YAMLMap, templates: TemplateRegistry, jobs: JobDef[], refs: { job: string; ref: LocatedRef }[]): void {
  for (const e of entries(jobsMap)) {
    if (!NAME_PATTERN.test(e.key)) {
      reader.diags.error('ORDO_BAD_VALUE', `job name "${e.key}" must start with a letter and hold only letters, digits, "_" or "-"`, reader.at(e.keyNode));
      continue;
    }
    const body = reader.map(e.value, `job "${e.key}"`);
    if (!body) continue;
    const layer = readLayer(reader, e.key, body, e.keyNode, false);
    const afterEntry = layer.attrs.get('after');
    const after: Dependency[] = afterEntry ? readAfter(reader, afterEntry.value, e.key) : [];
    const { layers, chain, broken } = templates.layersOf(layer);
    const compiled = compileJob(e.key, layers, chain, broken);
    jobs.push({ ...compiled.job, after });
    for (const ref of compiled.refs) refs.push({ job: e.key, ref });
  }
}

/**
 * `workflow: NAME` (+ `input:`) instead of `jobs:`: a flow of one job of kind workflow, named `workflow`, so
 * that a workflow gets everything a flow has (triggers, overlap, catch-up, backfill, business dates).
 */
function workflowJob(reader: Reader, fields: Map<string, Entry>): ReturnType<typeof compileJob> {
  const attrs = new Map<JobKey, Entry>();
  for (const key of ['workflow', 'input'] as const) {
    const e = fields.get(key);
    if (e) attrs.set(key, e);
  }
  const at = reader.at(fields.get('workflow')!.keyNode);
  return compileJob(WORKFLOW_JOB, [{ name: WORKFLOW_JOB, reader, at, attrs }], [], false, 'workflow');
}

/** The name of the one job of a flow written as `workflow: NAME`. */
export const WORKFLOW_JOB = 'workflow';

function checkGraph(reader: Reader, flow: string, jobs: JobDef[]): void {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  for (const job of jobs) {
    for (const ref of dependencyRefs(job)) {
      const where = ref.at ?? job.at ?? reader.at(null);
      if (ref.job === job.name) {
        reader.diags.error('ORDO_SELF_DEPENDENCY', `job "${job.name}" cannot wait on itself`, where);
      } else if (!byName.has(ref.job)) {
        reader.diags.error('ORDO_UNKNOWN_JOB', `job "${job.name}" waits on "${ref.job}", which flow "${flow}" does not have${suggest(ref.job, byName.keys())}`, where);
      }
    }
  }
  const cycles = findCycles(
    jobs.map((j) => j.name),
    (name) => dependencyRefs(byName.get(name)!).filter((r) => r.job !== name),
  );
  for (const c of cycles) {
    reader.diags.error('ORDO_CYCLE', `jobs wait on each other in a cycle: ${c.path.join(' -> ')} (each waits on the next)`, c.at ?? reader.at(null));
  }
}

/** Expressions must name declared parameters and jobs of the flow; a result should come from upstream. */
function checkRefs(flow: string, jobs: JobDef[], params: ParamDef[], refs: { job: string; ref: LocatedRef }[]): void {
  const paramNames = new Set(params.map((p) => p.name));
  const byName = new Map(jobs.map((j) => [j.name, j]));
  for (const { job, ref: { ref, node, reader } } of refs) {
    if (ref.kind === 'params' && !paramNames.has(ref.name)) {
      const known = [...paramNames].join(', ') || 'none';
      reader.diags.error('ORDO_UNKNOWN_PARAM', `\${{ ${describeRef(ref)} }} in job "${job}": flow "${flow}" has no parameter "${ref.name}"${suggest(ref.name, paramNames)} (parameters: ${known})`, reader.at(node));
    } else if (ref.kind === 'result') {
      if (!byName.has(ref.job)) {
        reader.diags.error('ORDO_UNKNOWN_JOB', `\${{ ${describeRef(ref)} }} in job "${job}": flow "${flow}" has no job "${ref.job}"${suggest(ref.job, byName.keys())}`, reader.at(node));
      } else if (!upstreamOf(job, byName).has(ref.job)) {
        reader.diags.warn('ORDO_NOT_UPSTREAM', `\${{ ${describeRef(ref)} }} in job "${job}": "${ref.job}" is not upstream of "${job}", so its result may not exist yet`, reader.at(node));
      }
    }
  }
}

function upstreamOf(job: string, byName: Map<string, JobDef>): Set<string> {
  const seen = new Set<string>();
  const todo = [job];
  while (todo.length > 0) {
    const j = byName.get(todo.pop()!);
    if (!j) continue;
    for (const r of dependencyRefs(j)) {
      if (!seen.has(r.job)) {
        seen.add(r.job);
        todo.push(r.job);
      }
    }
  }
  return seen;
}

/** A job's connector must be declared; a lock that is a gate may only be held shared (a gate is passed, not owned). */
function checkResources(reader: Reader, jobs: JobDef[], settings: ProjectSettings): void {
  for (const job of jobs) {
    const copyProblem = job.copy && copyEndpointsProblem(job.copy.from, job.copy.to, settings.hosts);
    if (copyProblem) reader.diags.error(copyProblem.includes('does not declare') ? 'ORDO_UNKNOWN_HOST' : 'ORDO_BAD_VALUE', `copy job "${job.name}": ${copyProblem}`, job.at ?? reader.at(null));
    if (job.connector && !settings.connectors.has(job.connector.name)) {
      const known = [...settings.connectors.keys()].sort().join(', ') || 'none';
      reader.diags.error('ORDO_UNKNOWN_CONNECTOR', `job "${job.name}" uses connector "${job.connector.name}", which ordo.yaml does not declare (connectors: ${known})`, job.at ?? reader.at(null));
    }
    if (job.hostSelector) {
      const wanted = Object.entries(job.hostSelector.labels);
      const text = wanted.map(([k, v]) => `${k}=${v}`).join(',');
      if (job.host !== undefined) {
        reader.diags.error('ORDO_BAD_VALUE', `job "${job.name}" has both "host" and "hosts": give one host, or a selector`, job.at ?? reader.at(null));
      } else if (![...settings.hosts.values()].some((h) => wanted.every(([k, v]) => h.labels[k] === v))) {
        reader.diags.error('ORDO_NO_HOST_MATCH', `job "${job.name}" runs on a host with labels ${text}, and no host of ordo.yaml has them`, job.at ?? reader.at(null));
      }
      if (job.kind !== 'command') reader.diags.error('ORDO_BAD_VALUE', `job "${job.name}" of kind ${job.kind} cannot have "hosts": only command jobs run on hosts`, job.at ?? reader.at(null));
    }
    if (job.host !== undefined && !settings.hosts.has(job.host)) {
      const known = [...settings.hosts.keys()].sort().join(', ') || 'none';
      reader.diags.error('ORDO_UNKNOWN_HOST', `job "${job.name}" runs on host "${job.host}", which ordo.yaml does not declare (hosts: ${known})`, job.at ?? reader.at(null));
    } else if (job.host !== undefined && job.kind !== 'command') {
      reader.diags.error('ORDO_BAD_VALUE', `job "${job.name}" of kind ${job.kind} cannot have a "host": only command jobs run on hosts`, job.at ?? reader.at(null));
    }
  }
}

/** An e-mail handler needs `smtp:` in ordo.yaml: said at the handler, not at its first failed delivery. */
export function checkEmail(diags: Diagnostics, jobs: JobDef[], flowHandlers: HandlerDef[], settings: ProjectSettings): void {
  if (settings.smtp) return;
  const all = [...flowHandlers, ...jobs.flatMap((j) => j.handlers ?? [])];
  for (const h of all.filter((x) => x.level !== 'project')) {
    if (h.action.kind !== 'email') continue;
    const [file, line, column] = h.where.split(':');
    diags.error('ORDO_MISSING_KEY', 'this handler sends e-mail, but ordo.yaml has no "smtp" settings (host, port, from, ...)',
      { file: file!, line: Number(line), column: Number(column) });
  }
}
