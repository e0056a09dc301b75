/**
 * Compiles one job from its layers (templates, then the job) into the validated JobDef the engine runs.
 * Every problem is reported where it was written; a job with problems yields no JobDef.
 */
import { readLimits } from './limits.js';
import { compileKindSpec, SPEC_KINDS } from './kinds.js';
import { isMap, type Node } from 'yaml';
import { parseTemplate, refsOf, type ExprRef } from './expr.js';
import type { CommandLine, JobDef, JobKind, RetryPolicy } from './model.js';
import {
  DEFAULT_KILL_GRACE_MS, DEFAULT_RETRY_DELAY_MS, DEFAULT_RETRY_MAX_DELAY_MS, JOB_KINDS, parseDuration, RETRY_KEYS, type JobKey,
} from './spec.js';
import { readConnectorUse, readDeadline, readLocks, readPriority } from './resources.js';
import { readHostSelector } from './hosts.js';
import { readHandlers } from './handlers.js';
import { layerAttrs, mergedMap, placement } from './inherit.js';
import type { AttrLayer } from './templates.js';
import { compileWorkflowCall } from './workflow-job.js';
import { describe, entries, scalarValue, type Entry, type Reader } from './yaml.js';

/** A `${{ }}` reference found in a job string, with where it was written (for checks against the flow). */
export interface LocatedRef {
  ref: ExprRef;
  node: Node | null;
  reader: Reader;
}

export interface CompiledJob {
  /** Built even when there are problems (with defaults in their place), so flow-wide checks still run. */
  job: Omit<JobDef, 'after'>;
  refs: LocatedRef[];
  ok: boolean;
}

interface Attr {
  entry: Entry;
  reader: Reader;
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** `defaultKind` is the kind of a job that does not say (a flow's `workflow:` shorthand makes one of kind workflow). */
export function compileJob(name: string, layers: AttrLayer[], chain: string[], chainBroken = false, defaultKind: JobKind = 'command'): CompiledJob {
  const self = layers[layers.length - 1]!;
  const diags = self.reader.diags;
  const before = diags.list.length;
  const what = `job "${name}"`;
  const refs: LocatedRef[] = [];

  const attr = (key: JobKey): Attr | undefined => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const entry = layers[i]!.attrs.get(key);
      if (entry) return { entry, reader: layers[i]!.reader };
    }
    return undefined;
  };
  /** Reads a job string and checks its expressions. */
  const text = (node: Node | null, reader: Reader, label: string): string | undefined => {
    const value = reader.text(node, label);
    if (value === undefined) return undefined;
    const parsed = parseTemplate(value);
    for (const err of parsed.errors) diags.error('ORDO_BAD_EXPRESSION', `${label}: ${err.message}`, reader.at(node));
    for (const ref of refsOf(parsed.parts)) refs.push({ ref, node, reader });
    for (const ref of refsOf(parsed.parts)) if (ref.kind === 'secret') diags.secretUses.push({ name: ref.name, at: reader.at(node), label });
    return value;
  };
  const duration = (key: JobKey, label: string): number | undefined => {
    const a = attr(key);
    if (!a) return undefined;
    const ms = parseDuration(scalarValue(a.entry.value));
    if (ms === undefined) {
      diags.error('ORDO_BAD_TYPE', `${label} of ${what} must be a duration such as 30, "500ms", "90s", "5m" or "1h30m", got ${describe(a.entry.value)}`, a.reader.at(a.entry.value));
    }
    return ms;
  };

  const kindAttr = attr('kind');
  let kind: JobKind = defaultKind;
  if (kindAttr) {
    const k = kindAttr.reader.string(kindAttr.entry.value, `"kind" of ${what}`);
    if (k !== undefined && !(JOB_KINDS as readonly string[]).includes(k)) {
      diags.error('ORDO_BAD_VALUE', `"kind" of ${what} must be one of ${JOB_KINDS.join(', ')}, got "${k}"`, kindAttr.reader.at(kindAttr.entry.value));
    } else if (k !== undefined) kind = k as JobKind;
  } else {
    // `http:`, `sql:` or `copy:` without a kind says which kind it is.
    const implied = SPEC_KINDS.find((k) => attr(k));
    if (implied && !attr('command') && !attr('shell')) kind = implied;
  }

  const command = compileCommand(layers, kind, what, self, text, chainBroken);
  const call = compileWorkflowCall(kind, what, self.at, self.reader, attr('workflow'), attr('input'), text);
  const spec = compileKindSpec(kind, what, { http: attr('http'), sql: attr('sql'), copy: attr('copy') }, self, text);

  const env: Record<string, string> = {};
  for (const layer of layers) {
    const e = layer.attrs.get('env');
    if (!e) continue;
    const map = layer.reader.map(e.value, `"env" of ${what}`);
    if (!map) continue;
    for (const v of entries(map)) {
      const value = text(v.value, layer.reader, `env ${v.key} of ${what}`);
      if (value !== undefined) env[v.key] = value;
    }
  }

  const cwdAttr = attr('cwd');
  const cwd = cwdAttr ? text(cwdAttr.entry.value, cwdAttr.reader, `"cwd" of ${what}`) : undefined;
  const timeoutMs = duration('timeout', '"timeout"');
  const killGraceMs = duration('killGrace', '"killGrace"') ?? DEFAULT_KILL_GRACE_MS;
  const retry = compileRetry(layerAttrs(layers, 'retries'), what);

  let successCodes = [0];
  const codes = attr('successCodes');
  if (codes) {
    const list = codes.reader.list(codes.entry.value, `"successCodes" of ${what}`);
    if (list) {
      successCodes = [];
      for (const n of list) {
        const code = codes.reader.integer(n, `an exit code in "successCodes" of ${what}`, 0);
        if (code !== undefined) successCodes.push(code);
      }
      if (list.length === 0) {
        diags.error('ORDO_BAD_VALUE', `"successCodes" of ${what} is empty: every exit would be a failure`, codes.reader.at(codes.entry.value));
      }
    }
  }
  const enabledAttr = attr('enabled');
  const enabled = enabledAttr ? enabledAttr.reader.boolean(enabledAttr.entry.value, `"enabled" of ${what}`) ?? true : true;
  const descAttr = attr('description');
  const description = descAttr ? descAttr.reader.string(descAttr.entry.value, `"description" of ${what}`) : undefined;

  const locksAttr = attr('locks');
  const locks = locksAttr ? readLocks(locksAttr.reader, locksAttr.entry.value, what) : [];
  const connAttr = attr('connector');
  // An sql job uses its database's connector like any job that names one: its limit applies, and its settings
  // (the database's url) reach the attempt.
  const connector = connAttr ? readConnectorUse(connAttr.reader, connAttr.entry.value, what)
    : spec.sql ? { name: spec.sql.connector, exclusive: false } : undefined;
  if (connAttr && connector && spec.sql && connector.name !== spec.sql.connector) {
    connAttr.reader.diags.error('ORDO_BAD_VALUE', `${what} queries connector "${spec.sql.connector}" but names connector "${connector.name}": an sql job uses its database's connector`, connAttr.reader.at(connAttr.entry.keyNode));
  }
  const prioAttr = attr('priority');
  const priority = prioAttr ? readPriority(prioAttr.reader, prioAttr.entry.value, what) : 0;
  const deadlineAttr = attr('deadline');
  const deadline = deadlineAttr ? readDeadline(deadlineAttr.reader, deadlineAttr.entry.value, what) : undefined;
  const latestAttr = attr('latestStart');
  const latestStart = latestAttr ? readDeadline(latestAttr.reader, latestAttr.entry.value, what, 'latestStart') : undefined;
  const handlersAttr = attr('handlers');
  const handlers = handlersAttr ? readHandlers(handlersAttr.reader, handlersAttr.entry.value, what, 'job') : undefined;
  const loadAttr = attr('maxLoad');
  const maxLoad = loadAttr ? loadAttr.reader.number(loadAttr.entry.value, `"maxLoad" of ${what}`, 0) : undefined;
  const estimateMs = duration('estimate', '"estimate"');
  const where = placement(layers);
  const host = where.host ? where.host.reader.string(where.host.entry.value, `"host" of ${what}`) : undefined;
  const labels = mergedMap(where.hosts, 'hosts', (r, n) => readHostSelector(r, n, what)?.labels);
  const hostSelector = labels && { labels };
  const limitsAttr = attr('limits');
  const limits = mergedMap(layers, 'limits', (r, n) => readLimits(r, n, what));
  if (limitsAttr && kind !== 'command') {
    limitsAttr.reader.diags.error('ORDO_BAD_VALUE', `${what} is of kind ${kind}: only command jobs have processes to limit`, limitsAttr.reader.at(limitsAttr.entry.keyNode));
  }

  const job: Omit<JobDef, 'after'> = {
    name, kind, command, ...call, ...spec, cwd, env, timeoutMs, killGraceMs, retry, successCodes, enabled, description,
    extends: chain, at: self.at, locks, connector, priority, deadline, maxLoad, estimateMs, ...(latestStart && { latestStart }), ...(handlers?.length && { handlers }), ...(host !== undefined && { host }), ...(hostSelector && { hostSelector }),
    ...(limits && { limits }),
  };
  return { job, refs, ok: diags.list.length === before };
}

function compileCommand(
  layers: AttrLayer[], kind: JobKind, what: string, self: AttrLayer,
  text: (node: Node | null, reader: Reader, label: string) => string | undefined,
  chainBroken: boolean,
): CommandLine | undefined {
  // The nearest layer that says how to run the job decides; a template's command is replaced by a job's shell.
  const layer = [...layers].reverse().find((l) => l.attrs.has('command') || l.attrs.has('shell'));
  if (kind !== 'command') {
    if (layer) {
      const e = (layer.attrs.get('command') ?? layer.attrs.get('shell'))!;
      layer.reader.diags.error('ORDO_BAD_VALUE', `${what} is of kind ${kind} and cannot have "${e.key}"`, layer.reader.at(e.keyNode));
    }
    return undefined;
  }
  if (!layer) {
    // With an unknown template the command may well be in it: that problem is already reported.
    if (chainBroken) return undefined;
    self.reader.diags.error('ORDO_NO_COMMAND', `${what} needs "command" (an argv list) or "shell" (a script), or "kind: noop"`, self.at);
    return undefined;
  }
  const cmd = layer.attrs.get('command');
  const sh = layer.attrs.get('shell');
  if (cmd && sh) {
    layer.reader.diags.error('ORDO_BAD_VALUE', `${what} has both "command" and "shell": give one`, layer.reader.at(sh.keyNode));
    return undefined;
  }
  if (sh) {
    const script = text(sh.value, layer.reader, `"shell" of ${what}`);
    return script === undefined ? undefined : { kind: 'shell', script, shell: DEFAULT_SHELL };
  }
  const list = layer.reader.list(cmd!.value, `"command" of ${what}`);
  if (!list) return undefined;
  if (list.length === 0) {
    layer.reader.diags.error('ORDO_BAD_VALUE', `"command" of ${what} is empty: give the program and its arguments`, layer.reader.at(cmd!.value));
    return undefined;
  }
  const argv: string[] = [];
  list.forEach((n, i) => {
    const arg = text(n, layer.reader, `argument ${i} of ${what}`);
    if (arg !== undefined) argv.push(arg);
  });
  return argv.length === list.length ? { kind: 'argv', argv } : undefined;
}

/** The layers' `retries`, farthest first, merged field by field (a bare number is the count). */
function compileRetry(layers: Attr[], what: string): RetryPolicy {
  const policy: RetryPolicy = { retries: 0, delayMs: DEFAULT_RETRY_DELAY_MS, backoff: 1, maxDelayMs: DEFAULT_RETRY_MAX_DELAY_MS };
  for (const a of layers) applyRetry(policy, a, what);
  return policy;
}

function applyRetry(policy: RetryPolicy, a: Attr, what: string): void {
  const { reader } = a;
  const node = a.entry.value;
  if (!isMap(node)) {
    policy.retries = reader.integer(node, `"retries" of ${what}`, 0) ?? 0;
    return;
  }
  for (const e of reader.strictEntries(node, RETRY_KEYS, `"retries" of ${what}`)) {
    const label = `"retries.${e.key}" of ${what}`;
    if (e.key === 'count') policy.retries = reader.integer(e.value, label, 0) ?? 0;
    else if (e.key === 'backoff') policy.backoff = reader.number(e.value, label, 1) ?? 1;
    else {
      const ms = parseDuration(scalarValue(e.value));
      if (ms === undefined) reader.bad(e.value, label, 'a duration such as 10, "30s" or "5m"');
      else if (e.key === 'delay') policy.delayMs = ms;
      else policy.maxDelayMs = ms;
    }
  }
}
