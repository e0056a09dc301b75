import type { Setting } from './ast.js';
import { evalConstant } from './constant.js';
import type { DiagnosticBag } from './diagnostics.js';
import { parseSeconds } from './duration.js';
import { isObject, withKey, type Json, type JsonObject } from './json.js';
import { DEFAULT_ACTION_CONFIG, DEFAULT_WORKFLOW_CONFIG, type ActionConfig, type WorkflowConfig } from './program.js';

/**
 * `env:` and `config:` sections: constant values, evaluated at compile time. Known config keys are
 * validated into a typed config; every entry is also kept raw, so tools can read keys Ordo does not
 * interpret (an action's `command`, for one).
 */
export function evalSettings(settings: readonly Setting[], diags: DiagnosticBag, section: string): JsonObject {
  let out: JsonObject = {};
  for (const s of settings) {
    if (Object.hasOwn(out, s.name)) diags.report('WF_DUPLICATE_NAME', s.span, `${section} sets '${s.name}' twice`);
    const value = evalConstant(s.value, diags, `${section} ${s.name}`);
    if (value !== undefined) out = withKey(out, s.name, value);
  }
  return out;
}

type Bad = (name: string, why: string) => void;

function positiveInt(v: Json, name: string, bad: Bad): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  bad(name, 'must be a positive integer');
  return undefined;
}

function seconds(v: Json, name: string, bad: Bad): number | undefined {
  const s = parseSeconds(v);
  if (s === undefined) bad(name, "must be a duration: seconds, or a string such as '30s', '5m', '2 hours'");
  return s;
}

function reporter(settings: readonly Setting[], diags: DiagnosticBag): { bad: Bad; unknown: (name: string, known: string[]) => void } {
  const spanOf = (name: string): Setting['span'] | undefined => settings.find((s) => s.name === name)?.span;
  return {
    bad: (name, why) => {
      const span = spanOf(name);
      if (span) diags.report('WF_BAD_CONFIG', span, `config ${name} ${why}`);
    },
    unknown: (name, known) => {
      const span = spanOf(name);
      if (span) diags.report('WF_UNKNOWN_CONFIG', span, `config '${name}' is not used by Ordo (known: ${known.join(', ')}); it is kept as raw config`);
    },
  };
}

export function workflowConfig(settings: readonly Setting[], raw: JsonObject, diags: DiagnosticBag): WorkflowConfig {
  const { bad, unknown } = reporter(settings, diags);
  const config: WorkflowConfig = { ...DEFAULT_WORKFLOW_CONFIG };
  for (const [name, v] of Object.entries(raw)) {
    if (name === 'max_steps') config.max_steps = positiveInt(v, name, bad) ?? config.max_steps;
    else if (name === 'max_depth') config.max_depth = positiveInt(v, name, bad) ?? config.max_depth;
    else if (name === 'timeout') config.timeout = seconds(v, name, bad) ?? null;
    else unknown(name, ['max_steps', 'max_depth', 'timeout']);
  }
  return config;
}

const ACTION_KEYS = ['timeout', 'retry', 'retryable', 'command', 'labels'];

export function actionConfig(settings: readonly Setting[], raw: JsonObject, diags: DiagnosticBag): ActionConfig {
  const { bad, unknown } = reporter(settings, diags);
  const config: ActionConfig = { ...DEFAULT_ACTION_CONFIG, retry: { ...DEFAULT_ACTION_CONFIG.retry } };
  for (const [name, v] of Object.entries(raw)) {
    if (name === 'timeout') config.timeout = seconds(v, name, bad) ?? null;
    else if (name === 'retryable') {
      if (typeof v === 'boolean') config.retryable = v;
      else bad(name, 'must be true or false');
    } else if (name === 'retry') {
      // `retry = 3` (tries) or `retry = object(tries: 3, interval: '10s')`.
      if (typeof v === 'number') config.retry.tries = positiveInt(v, name, bad) ?? 1;
      else if (isObject(v) && Object.keys(v).every((k) => k === 'tries' || k === 'interval')) {
        if (v.tries !== undefined) config.retry.tries = positiveInt(v.tries, 'retry.tries', bad) ?? 1;
        if (v.interval !== undefined) config.retry.interval = seconds(v.interval, 'retry.interval', bad) ?? 0;
      } else bad(name, "must be a number of tries or object(tries: N, interval: '10s')");
    } else if (name === 'command') {
      if (typeof v !== 'string' || v.trim() === '') bad(name, "must be a command line such as 'node scripts/add.js'");
    } else if (name === 'labels') {
      if (isObject(v) && Object.keys(v).length > 0) config.labels = v;
      else bad(name, "must be a non-empty object such as object(zone: 'dmz')");
    } else unknown(name, ACTION_KEYS);
  }
  return config;
}
