/**
 * The on-disk shape of the definition files: which keys each mapping may hold and the small value formats
 * (durations). The JSON Schemas in schemas/ describe the same shape for editors; a test keeps them in step.
 */

/** `ordo.yaml` at the project root. */
export const SETTINGS_KEYS = [
  'maxParallel', 'logMaxBytes', 'templates', 'environment', 'environmentColor', 'connectors', 'gates', 'aging', 'defaultEstimate',
  'calendars', 'plans', 'hosts', 'retention', 'handlers', 'smtp', 'vars',
] as const;

/** A file holding `templates:` (and no `flow:`): a library of job templates. */
export const TEMPLATE_FILE_KEYS = ['templates'] as const;

/** Any other `.yaml` file holding `flow:`. */
export const FLOW_KEYS = [
  'flow', 'description', 'maxParallel', 'params', 'jobs', 'priority', 'deadline', 'triggers', 'overlap', 'catchup', 'jitter',
  'runsPerBusinessDate', 'workflow', 'input', 'on', 'singleton', 'handlers', 'vars',
] as const;

/** A job, or a template (a template holds the same attributes, all optional). */
export const JOB_KEYS = [
  'kind', 'command', 'shell', 'cwd', 'env', 'timeout', 'killGrace', 'retries', 'successCodes',
  'after', 'enabled', 'description', 'extends', 'locks', 'connector', 'priority', 'deadline', 'maxLoad', 'estimate',
  'workflow', 'input', 'host', 'hosts', 'limits', 'latestStart', 'handlers', 'http', 'sql', 'copy',
] as const;
export type JobKey = (typeof JOB_KEYS)[number];

/** Attributes a template may not carry: they describe a job's place in its flow, not its type. */
export const JOB_ONLY_KEYS: readonly JobKey[] = ['after', 'workflow', 'input'];

export const PARAM_KEYS = ['type', 'default', 'required', 'description'] as const;

export const RETRY_KEYS = ['count', 'delay', 'backoff', 'maxDelay'] as const;

export const JOB_KINDS = ['command', 'noop', 'workflow', 'http', 'sql', 'copy'] as const;

export const DEFAULT_KILL_GRACE_MS = 5_000;
export const DEFAULT_RETRY_DELAY_MS = 1_000;
export const DEFAULT_RETRY_MAX_DELAY_MS = 3_600_000;

/** Names of flows, jobs, templates and parameters: a letter, then letters, digits, `_` or `-`. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * A duration: a number of seconds, or text made of number+unit parts (`500ms`, `30s`, `5m`, `1h30m`, `2d`).
 * Returns milliseconds, or undefined when the text is not a duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const start = DURATION_PART.lastIndex;
    const m = DURATION_PART.exec(text);
    if (!m || m.index !== start) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return Math.round(total);
}
