/**
 * Network-wide batches (seed 002, CafeBatch; docs/batches.md): one request delivered to hosts in serial
 * groups of parallel hosts, each host's command chosen from a command map, with a failure threshold that
 * stops further groups.
 *
 * Glossary:
 * - batch file: YAML with `batch: NAME` (in the project, conventionally `batches/NAME.yaml`, or anywhere).
 * - plan: the validated batch: its groups of host names in order, the command each host runs, the threshold.
 * - group: hosts that run at once; group g+1 starts once every host of group g has ended, if the threshold
 *   still holds.
 * - threshold (`maxFailures`): how many hosts may fail, a count or a percentage of the batch's hosts, before
 *   the batch stops (the later groups do not run).
 *
 * A plan is plain data: it is stored with the batch (store/batches) and compiled to a flow (batch/flow.ts).
 */
import type { CommandLine } from './model.js';

/** `maxFailures: 2` (a count) or `maxFailures: 10%` (of the batch's hosts, rounded down). */
export type FailureThreshold = { kind: 'count'; max: number } | { kind: 'percent'; percent: number };

/** How the command of a host was chosen: by its name, a label, its OS label, or the default. */
export type CommandRule = { kind: 'host' } | { kind: 'label'; label: string } | { kind: 'os'; os: string } | { kind: 'default' };

export interface BatchCommand {
  command: CommandLine;
  env: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  rule: CommandRule;
}

export interface BatchPlan {
  name: string;
  description?: string;
  /** Where it was written (a project-relative path, or the path given to `ordo batch run`). */
  source: string;
  /** Serial groups of parallel hosts, each non-empty; a host is in one group only. */
  groups: string[][];
  /** The command each host of the groups runs. */
  commands: Record<string, BatchCommand>;
  threshold: FailureThreshold;
}

export function allowedFailures(t: FailureThreshold, hosts: number): number {
  return t.kind === 'count' ? t.max : Math.floor((t.percent * hosts) / 100);
}

export function thresholdText(t: FailureThreshold): string {
  return t.kind === 'count' ? String(t.max) : `${t.percent}%`;
}

export function ruleText(r: CommandRule): string {
  switch (r.kind) {
    case 'host': return 'host';
    case 'label': return `label ${r.label}`;
    case 'os': return `os ${r.os}`;
    case 'default': return 'default';
    default: {
      const never: never = r;
      return String(never);
    }
  }
}
