/**
 * Where a command runs is one decision (DESIGN.md, "One machine and many"): a job with a `host` goes to that
 * host's adapter (an agent), every other one runs here. The engine sees one executor for kind `command`.
 */
import type { AttemptHandle, AttemptRequest, Executor } from '../engine/ports.js';

export interface HostAdapter {
  start(req: AttemptRequest): AttemptHandle;
  reattach(req: AttemptRequest, startedAt: number): AttemptHandle;
}

export class PlacingExecutor implements Executor {
  readonly kinds = ['command'] as const;

  constructor(private readonly local: Executor & { reattach(req: AttemptRequest, startedAt: number): AttemptHandle }, private readonly hosts: HostAdapter) {}

  start(req: AttemptRequest): AttemptHandle {
    return req.job.host === undefined ? this.local.start(req) : this.hosts.start(req);
  }

  reattach(req: AttemptRequest, startedAt: number): AttemptHandle {
    return req.job.host === undefined ? this.local.reattach(req, startedAt) : this.hosts.reattach(req, startedAt);
  }
}
