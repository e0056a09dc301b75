/**
 * A batch runs as a flow (DESIGN.md: one executor port, no third path for commands): one command job per
 * host, named after the host and placed there with `host:`, so durability, re-attach after a crash, logs,
 * abort and `ordo why` are the engine's. Between groups sits a threshold job (a no-op on the server):
 *
 *   group 1 hosts ──> threshold:1 ──> group 2 hosts ──> threshold:2 ──> group 3 hosts
 *
 * `threshold:g` waits until every host of groups 1..g has ended (in any state) and holds while at most the
 * allowed number of them failed; once more have failed it can never hold, ends `skipped`, and every later
 * group is skipped with it ("not run"). Hosts of a group already running finish.
 */
import { allowedFailures, type BatchPlan } from '../defs/batch-model.js';
import type { DependencyRef, FlowDef, JobDef } from '../defs/model.js';
import { DEFAULT_KILL_GRACE_MS, DEFAULT_RETRY_DELAY_MS, DEFAULT_RETRY_MAX_DELAY_MS } from '../defs/spec.js';

/** Batch runs' flows are named `batch:NAME`: a colon no project flow's name may hold. */
export const BATCH_FLOW_PREFIX = 'batch:';

/** The threshold job after group g (1-based): host names cannot hold a colon, so it never meets a host's job. */
export function thresholdJob(group: number): string {
  return `threshold:${group}`;
}

const FAILED: DependencyRef['states'] = ['failed', 'aborted', 'expired'];

function baseJob(name: string): Omit<JobDef, 'kind'> {
  return {
    name, env: {}, killGraceMs: DEFAULT_KILL_GRACE_MS,
    retry: { retries: 0, delayMs: DEFAULT_RETRY_DELAY_MS, backoff: 1, maxDelayMs: DEFAULT_RETRY_MAX_DELAY_MS },
    successCodes: [0], after: [], locks: [], priority: 0, enabled: true, extends: [],
  };
}

export function batchFlow(plan: BatchPlan): FlowDef {
  const total = plan.groups.reduce((n, g) => n + g.length, 0);
  const max = allowedFailures(plan.threshold, total);
  const jobs: JobDef[] = [];
  const before: DependencyRef[] = [];
  plan.groups.forEach((group, i) => {
    const gate = i === 0 ? undefined : thresholdJob(i);
    for (const host of group) {
      const c = plan.commands[host]!;
      jobs.push({
        ...baseJob(host), kind: 'command', host, command: c.command, env: { ...c.env, ORDO_BATCH_GROUP: String(i + 1) },
        ...(c.cwd !== undefined && { cwd: c.cwd }), ...(c.timeoutMs !== undefined && { timeoutMs: c.timeoutMs }),
        after: gate ? [{ kind: 'job', ref: { job: gate, states: ['succeeded'] } }] : [],
        description: `batch ${plan.name}, group ${i + 1}`,
      });
      before.push({ job: host, states: FAILED });
    }
    if (i < plan.groups.length - 1) {
      jobs.push({
        ...baseJob(thresholdJob(i + 1)), kind: 'noop', after: [{ kind: 'atMost', members: [...before], max }],
        description: `at most ${max} of the ${before.length} hosts of groups 1..${i + 1} failed: group ${i + 2} may start`,
      });
    }
  });
  return { name: `${BATCH_FLOW_PREFIX}${plan.name}`, file: plan.source, params: [], jobs, priority: 0, ...(plan.description !== undefined && { description: plan.description }) };
}
