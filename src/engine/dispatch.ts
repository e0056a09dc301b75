/**
 * Which ready tasks start now, and why the others wait. Ready tasks are ranked (immediate first, then
 * priority with aging, then the longest expected path to the end of the run, then deadline slack, then
 * age) and taken in that order while slots, locks, gates, connectors and the host's load allow. A task that
 * waits for a lock or a connector reserves it: lower-ranked tasks may not take it meanwhile, so an exclusive
 * waiter is not starved by a stream of shared users. The same function explains waits to `ordo why`.
 */
import { IMMEDIATE_PRIORITY, type JobDef } from '../defs/model.js';
import type { ActiveRun } from './active-run.js';
import type { ResourceUsage } from './resources.js';
import type { ResourceClaim, TaskRow } from './store.js';

export interface Pick {
  run: ActiveRun;
  task: TaskRow;
  claims: ResourceClaim[];
}

export type WaitReason =
  | { kind: 'retry-delay'; until: number }
  | { kind: 'slots'; scope: 'global' | 'flow'; max: number }
  | { kind: 'lock'; name: string; mode: string; holders: string[] }
  | { kind: 'gate'; name: string }
  | { kind: 'connector-blocked'; name: string; reason: string | null }
  | { kind: 'connector-busy'; name: string; holders: string[] }
  | { kind: 'queued'; resource: string; behind: string }
  | { kind: 'load'; load: number; maxLoad: number };

export interface DispatchInput {
  runs: readonly ActiveRun[];
  now: number;
  /** Free global slots of this engine (may be <= 0: only immediate tasks start then). */
  free: number;
  maxParallel: number;
  /** Shared resource usage; null when no ready task needs a resource. */
  usage: ResourceUsage | null;
  /** The host's load average per core, when known. */
  load?: number;
  agingMs: number;
}

export interface DispatchDecision {
  picks: Pick[];
  waits: Map<number, WaitReason>;
}

interface Candidate {
  run: ActiveRun;
  task: TaskRow;
  job: JobDef;
  claims: ResourceClaim[];
  immediate: boolean;
  priority: number;
  bottom: number;
  slack: number;
  since: number;
  index: number;
}

function rankCompare(a: Candidate, b: Candidate): number {
  return Number(b.immediate) - Number(a.immediate) || b.priority - a.priority || b.bottom - a.bottom ||
    a.slack - b.slack || a.since - b.since || a.run.row.id - b.run.row.id || a.index - b.index;
}

const label = (runId: number, job: string) => `run ${runId} ${job}`;

export function candidatesOf(input: DispatchInput, waits: Map<number, WaitReason>): Candidate[] {
  const out: Candidate[] = [];
  for (const run of input.runs) {
    if (run.row.state !== 'pending' && run.row.state !== 'running') continue;
    for (const name of run.ready) {
      const task = run.tasks.get(name)!;
      if (task.notBefore !== null && task.notBefore > input.now) {
        waits.set(task.id, { kind: 'retry-delay', until: task.notBefore });
        continue;
      }
      const job = run.job(name);
      const immediate = job.priority >= IMMEDIATE_PRIORITY;
      const since = run.readySince.get(name) ?? input.now;
      const aging = Math.floor(Math.max(0, input.now - since) / input.agingMs);
      const bottom = run.bottomLevel.get(name) ?? 0;
      const deadline = run.deadlines.get(name);
      out.push({
        run, task, job, claims: run.claims.get(name) ?? [], immediate,
        priority: (immediate ? 0 : job.priority) + run.row.priority + run.def.priority + aging,
        bottom, slack: deadline === undefined ? Infinity : deadline - input.now - bottom, since, index: run.jobIndex.get(name)!,
      });
    }
  }
  return out.sort(rankCompare);
}

/** Why a claim does not fit now, or undefined when it does. */
function claimWait(usage: ResourceUsage, claim: ResourceClaim, reserved: Map<string, string>): WaitReason | undefined {
  const [kind, name = ''] = claim.resource.split(':');
  const closed = usage.closedReason(claim);
  if (closed) return kind === 'connector' ? { kind: 'connector-blocked', name, reason: closed.reason } : { kind: 'gate', name };
  const behind = reserved.get(claim.resource);
  if (behind) return { kind: 'queued', resource: claim.resource, behind };
  if (usage.fits(claim)) return undefined;
  const holders = (usage.get(claim.resource)?.holders ?? []).map((h) => `${label(h.runId, h.job)} (${h.mode})`);
  return kind === 'connector' ? { kind: 'connector-busy', name, holders } : { kind: 'lock', name, mode: claim.mode, holders };
}

export function selectDispatch(input: DispatchInput): DispatchDecision {
  const waits = new Map<number, WaitReason>();
  const picks: Pick[] = [];
  const ranked = candidatesOf(input, waits);
  let free = input.free;
  const runFree = new Map<ActiveRun, number>();
  const reserved = new Map<string, string>();
  for (const c of ranked) {
    if (!c.immediate && free <= 0) {
      waits.set(c.task.id, { kind: 'slots', scope: 'global', max: input.maxParallel });
      continue;
    }
    const flowFree = runFree.get(c.run) ?? (c.run.def.maxParallel ?? Infinity) - c.run.running;
    if (!c.immediate && flowFree <= 0) {
      waits.set(c.task.id, { kind: 'slots', scope: 'flow', max: c.run.def.maxParallel ?? 0 });
      continue;
    }
    if (c.job.maxLoad !== undefined && input.load !== undefined && input.load > c.job.maxLoad) {
      waits.set(c.task.id, { kind: 'load', load: input.load, maxLoad: c.job.maxLoad });
      continue;
    }
    if (c.claims.length > 0 && input.usage) {
      let wait: WaitReason | undefined;
      for (const claim of c.claims) {
        wait = claimWait(input.usage, claim, reserved);
        if (wait) break;
      }
      if (wait) {
        waits.set(c.task.id, wait);
        // Reserve what it waits for (not gates and blocked connectors: those wait for an operator).
        if (wait.kind === 'lock' || wait.kind === 'connector-busy') {
          for (const claim of c.claims) if (!reserved.has(claim.resource)) reserved.set(claim.resource, label(c.run.row.id, c.task.job));
        }
        continue;
      }
      input.usage.take(c.claims, c.task.id, c.run.row.id, c.task.job, input.now);
    }
    picks.push({ run: c.run, task: c.task, claims: c.claims });
    if (!c.immediate) free--;
    runFree.set(c.run, flowFree - 1);
  }
  return { picks, waits };
}

export function describeWait(w: WaitReason): string {
  switch (w.kind) {
    case 'retry-delay':
      return `waiting for its retry delay until ${new Date(w.until).toISOString()}`;
    case 'slots':
      return w.scope === 'global' ? `all ${w.max} slots of the engine are busy` : `the flow's maxParallel of ${w.max} is reached`;
    case 'lock':
      return `lock "${w.name}" (${w.mode}) is held by ${w.holders.join(', ') || 'another task'}`;
    case 'gate':
      return `gate "${w.name}" is closed (open it with: ordo gate open ${w.name})`;
    case 'connector-blocked':
      return `connector "${w.name}" is blocked${w.reason ? `: ${w.reason}` : ''}`;
    case 'connector-busy':
      return `connector "${w.name}" is at its limit, used by ${w.holders.join(', ') || 'other tasks'}`;
    case 'queued':
      return `queued for ${w.resource.replace(':', ' "')}" behind ${w.behind}, which ranks higher`;
    case 'load':
      return `host load ${w.load.toFixed(2)} per core is above its maxLoad ${w.maxLoad}`;
    default: {
      const never: never = w;
      return String(never);
    }
  }
}
