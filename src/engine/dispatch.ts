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
  | { kind: 'host-down'; name: string; reason: string | null }
  | { kind: 'host-busy'; name: string; holders: string[] }
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
  /** The ready tasks in rank order, when the caller keeps them (ReadyQueue); else they are ranked here. */
  ranked?: Candidate[];
  /** Record why every task waits (for `ordo why`); otherwise stop once no slot is left. */
  explainAll?: boolean;
}

export interface DispatchDecision {
  picks: Pick[];
  waits: Map<number, WaitReason>;
}

export interface Candidate {
  run: ActiveRun;
  task: TaskRow;
  job: JobDef;
  claims: ResourceClaim[];
  immediate: boolean;
  priority: number;
  bottom: number;
  /** The planner's rank within the run (Infinity when not planned). */
  plan: number;
  slack: number;
  since: number;
  index: number;
}

function rankCompare(a: Candidate, b: Candidate): number {
  return Number(b.immediate) - Number(a.immediate) || b.priority - a.priority || b.bottom - a.bottom ||
    a.slack - b.slack || a.plan - b.plan || a.since - b.since || a.run.row.id - b.run.row.id || a.index - b.index;
}

const label = (runId: number, job: string) => `run ${runId} ${job}`;

/**
 * A candidate's rank key. Aging counts whole aging periods of the clock (epochs) since the task became ready,
 * so ranks change only at epoch boundaries and a ReadyQueue can keep its order between them. Slack is kept
 * as deadline - bottom level: subtracting `now` would shift every task alike.
 */
function candidate(run: ActiveRun, name: string, now: number, agingMs: number): Candidate {
  const task = run.tasks.get(name)!;
  const job = run.job(name);
  const immediate = job.priority >= IMMEDIATE_PRIORITY;
  const since = run.readySince.get(name) ?? now;
  const aging = Math.max(0, Math.floor(now / agingMs) - Math.floor(since / agingMs));
  const bottom = run.bottomLevel.get(name) ?? 0;
  const deadline = run.deadlines.get(name);
  return {
    run, task, job, claims: run.claims.get(name) ?? [], immediate,
    priority: (immediate ? 0 : job.priority) + run.row.priority + run.def.priority + aging,
    bottom, plan: run.planRank.get(name) ?? Infinity, slack: deadline === undefined ? Infinity : deadline - bottom, since,
    index: run.jobIndex.get(name)!,
  };
}

const isOpen = (run: ActiveRun) => run.row.state === 'pending' || run.row.state === 'running';

/** Every ready task of the open runs, ranked. */
export function candidatesOf(input: { runs: readonly ActiveRun[]; now: number; agingMs: number }): Candidate[] {
  const out: Candidate[] = [];
  for (const run of input.runs) {
    if (!isOpen(run)) continue;
    for (const name of run.ready) out.push(candidate(run, name, input.now, input.agingMs));
  }
  return out.sort(rankCompare);
}

/**
 * The ranked ready set, kept between ticks: a tick ranks only the tasks that became ready since the last
 * one and merges them in, instead of re-ranking thousands of waiting tasks every time. It is rebuilt when an
 * aging epoch passes or a run was reloaded.
 */
export class ReadyQueue {
  private items: Candidate[] = [];
  private epoch = NaN;
  private readonly generations = new Map<ActiveRun, number>();

  ranked(runs: readonly ActiveRun[], now: number, agingMs: number): Candidate[] {
    const epoch = Math.floor(now / agingMs);
    const stale = epoch !== this.epoch || runs.length !== this.generations.size ||
      runs.some((r) => this.generations.get(r) !== r.generation);
    if (stale) {
      this.items = candidatesOf({ runs, now, agingMs });
      this.epoch = epoch;
      this.generations.clear();
      for (const r of runs) {
        this.generations.set(r, r.generation);
        r.newlyReady.clear();
      }
      return this.items;
    }
    const fresh: Candidate[] = [];
    for (const run of runs) {
      if (isOpen(run)) for (const name of run.newlyReady) if (run.ready.has(name)) fresh.push(candidate(run, name, now, agingMs));
      run.newlyReady.clear();
    }
    // Entries that left the ready set stay until they reach the front or pile up: dispatch skips them.
    let head = 0;
    while (head < this.items.length && !isValid(this.items[head]!)) head++;
    let items = head > 0 ? this.items.slice(head) : this.items;
    if (fresh.length > 0) {
      fresh.sort(rankCompare);
      const requeued = new Set(fresh.map((c) => c.task));
      if (requeued.size > 0) items = items.filter((c) => !requeued.has(c.task));
      items = mergeSorted(items, fresh);
    }
    this.items = items;
    return items;
  }
}

/** Whether a ranked entry still stands for a ready task of an open run. */
export function isValid(c: Candidate): boolean {
  return isOpen(c.run) && c.run.ready.has(c.task.job) && c.run.tasks.get(c.task.job) === c.task;
}

/** Merges a few sorted entries into a long sorted list by binary search (the copies are the cost). */
function mergeSorted(items: Candidate[], fresh: Candidate[]): Candidate[] {
  const out: Candidate[][] = [];
  let from = 0;
  for (const f of fresh) {
    let lo = from;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rankCompare(items[mid]!, f) <= 0) lo = mid + 1;
      else hi = mid;
    }
    out.push(items.slice(from, lo), [f]);
    from = lo;
  }
  out.push(items.slice(from));
  return out.flat();
}

/** Why a claim does not fit now, or undefined when it does. */
function claimWait(usage: ResourceUsage, claim: ResourceClaim, reserved: Map<string, string>): WaitReason | undefined {
  const [kind, name = ''] = claim.resource.split(':');
  const closed = usage.closedReason(claim);
  if (closed) {
    if (kind === 'host') return { kind: 'host-down', name, reason: closed.reason };
    return kind === 'connector' ? { kind: 'connector-blocked', name, reason: closed.reason } : { kind: 'gate', name };
  }
  const behind = reserved.get(claim.resource);
  if (behind) return { kind: 'queued', resource: claim.resource, behind };
  if (usage.fits(claim)) return undefined;
  const holders = (usage.get(claim.resource)?.holders ?? []).map((h) => `${label(h.runId, h.job)} (${h.mode})`);
  if (kind === 'host') return { kind: 'host-busy', name, holders };
  return kind === 'connector' ? { kind: 'connector-busy', name, holders } : { kind: 'lock', name, mode: claim.mode, holders };
}

/**
 * A host selector's pick: of the hosts that are open, not reserved by a higher-ranked task and have a free
 * slot, the least used (fewest running per slot; the first declared on a tie). When none fits, the choice
 * itself is returned, and choiceWait says why.
 */
function choose(usage: ResourceUsage, alternatives: ResourceClaim[], reserved: Map<string, string>): ResourceClaim {
  let best: ResourceClaim | undefined;
  let bestLoad = Infinity;
  for (const alt of alternatives) {
    if (reserved.has(alt.resource) || !usage.fits(alt)) continue;
    const load = (usage.get(alt.resource)?.shared ?? 0) / (alt.capacity ?? 1);
    if (load < bestLoad) {
      best = alt;
      bestLoad = load;
    }
  }
  return best ?? { resource: 'host:*', mode: 'shared', capacity: null, closedByDefault: false, alternatives };
}

/** Why no host of a selector fits: all down, or all busy (naming them). */
function choiceWait(usage: ResourceUsage, alternatives: ResourceClaim[]): WaitReason {
  const names = alternatives.map((a) => a.resource.slice('host:'.length));
  const open = alternatives.filter((a) => !usage.closedReason(a));
  if (open.length === 0) return { kind: 'host-down', name: names.join(', '), reason: 'down: none of them has an agent connected, or they are draining' };
  const holders = open.flatMap((a) => (usage.get(a.resource)?.holders ?? []).map((h) => `${label(h.runId, h.job)} on ${a.resource.slice(5)}`));
  return { kind: 'host-busy', name: open.map((a) => a.resource.slice(5)).join(', '), holders };
}

export function selectDispatch(input: DispatchInput): DispatchDecision {
  const waits = new Map<number, WaitReason>();
  const picks: Pick[] = [];
  const ranked = input.ranked ?? candidatesOf(input);
  let free = input.free;
  const runFree = new Map<ActiveRun, number>();
  const reserved = new Map<string, string>();
  for (const c of ranked) {
    if (!isValid(c)) continue;
    // Immediate tasks rank first: once the slots are gone, nothing after this one can start.
    if (!c.immediate && free <= 0 && !input.explainAll) break;
    if (c.task.notBefore !== null && c.task.notBefore > input.now) {
      waits.set(c.task.id, { kind: 'retry-delay', until: c.task.notBefore });
      continue;
    }
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
    // The claims it takes: a host selector's choice is replaced by the chosen host's claim.
    let picked = c.claims;
    if (c.claims.length > 0 && input.usage) {
      let wait: WaitReason | undefined;
      const claims: ResourceClaim[] = [];
      for (const choice of c.claims) {
        const claim = choice.alternatives ? choose(input.usage, choice.alternatives, reserved) : choice;
        wait = claim.alternatives ? choiceWait(input.usage, claim.alternatives) : claimWait(input.usage, claim, reserved);
        if (wait) break;
        claims.push(claim);
      }
      if (wait) {
        waits.set(c.task.id, wait);
        // Reserve what it waits for (not gates and blocked connectors: those wait for an operator).
        if (wait.kind === 'lock' || wait.kind === 'connector-busy' || wait.kind === 'host-busy') {
          for (const claim of c.claims) if (!claim.alternatives && !reserved.has(claim.resource)) reserved.set(claim.resource, label(c.run.row.id, c.task.job));
        }
        continue;
      }
      input.usage.take(claims, c.task.id, c.run.row.id, c.task.job, input.now);
      picked = claims;
    }
    picks.push({ run: c.run, task: c.task, claims: picked });
    if (!c.immediate) free--;
    runFree.set(c.run, flowFree - 1);
  }
  return { picks, waits };
}

/** `host "a"`, or `hosts a, b` for a selector's candidates. */
const hostsText = (names: string) => (names.includes(', ') ? `hosts ${names}` : `host "${names}"`);

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
    case 'host-down':
      return `${hostsText(w.name)} ${w.name.includes(', ') ? 'are' : 'is'} ${w.reason ?? 'down'}`;
    case 'host-busy':
      return `all slots of ${hostsText(w.name)} are in use, by ${w.holders.join(', ') || 'other tasks'}`;
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
