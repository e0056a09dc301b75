/**
 * Where a command runs is one decision (DESIGN.md, "One machine and many"): a job with a `host`, or a
 * singleton job (placed by its lease among its allowed hosts, which agents renew), goes to the hosts' adapter
 * (its agent, or SSH: hostRouter); every other one runs here. The engine sees one executor for kind `command`.
 */
import type { AttemptHandle, AttemptRequest, Executor } from '../engine/ports.js';

export interface HostAdapter {
  start(req: AttemptRequest): AttemptHandle;
  reattach(req: AttemptRequest, startedAt: number): AttemptHandle;
}

/**
 * Where no agents are (`ordo run`, `ordo resume`: an engine without the API), a job placed on an agent's
 * host fails at once, saying where such runs go, rather than running on the wrong machine (SSH hosts need
 * no agent: any engine runs their jobs). A re-attach ends lost: the attempt is the host's agent's, and only
 * a server hears from it.
 */
export const NO_AGENTS: HostAdapter = {
  start: (req) => refused(req, 'failed', `job "${req.job.name}" runs on host ${hostText(req)}, whose agent talks only to ordo server (start the run with ordo start, or through the API)`),
  reattach: (req) => refused(req, 'lost', `the attempt runs on host ${hostText(req)}, whose agent talks only to ordo server`),
};

const hostText = (req: AttemptRequest) => req.job.host ?? (req.job.singleton ? `${req.job.singleton.hosts.join(' or ')} (singleton)` : '?');
const onHost = (req: AttemptRequest) => req.job.host !== undefined || req.job.singleton !== undefined;

function refused(req: AttemptRequest, status: 'failed' | 'lost', error: string): AttemptHandle {
  const at = Date.now();
  return { done: Promise.resolve({ status, exitCode: null, signal: null, error, startedAt: at, endedAt: at }), abort: () => {} };
}

/** Sends each host's attempts to its transport's adapter: SSH hosts to `ssh`, the others to their agents. */
export function hostRouter(ssh: HostAdapter & { has(host: string): boolean }, agents: HostAdapter): HostAdapter {
  const pick = (req: AttemptRequest) => (ssh.has(req.job.host ?? '') ? ssh : agents);
  return {
    start: (req) => pick(req).start(req),
    reattach: (req, startedAt) => pick(req).reattach(req, startedAt),
  };
}

export class PlacingExecutor implements Executor {
  readonly kinds = ['command'] as const;

  constructor(private readonly local: Executor & { reattach(req: AttemptRequest, startedAt: number): AttemptHandle }, private readonly hosts: HostAdapter) {}

  start(req: AttemptRequest): AttemptHandle {
    return onHost(req) ? this.hosts.start(req) : this.local.start(req);
  }

  reattach(req: AttemptRequest, startedAt: number): AttemptHandle {
    return onHost(req) ? this.hosts.reattach(req, startedAt) : this.local.reattach(req, startedAt);
  }
}
