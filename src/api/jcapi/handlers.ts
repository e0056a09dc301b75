/**
 * Handlers of the JobCenter methods (contract/jobcenter.ts). Params arrive validated; the answers keep
 * JobCenter's shapes. Every call counts as a heartbeat of the calling connection's worker.
 */
import { OrdoError } from '../../errors.js';
import { isErrorClass } from '../../lang/vm/errors.js';
import type { JsonObject } from '../../lang/json.js';
import { afterReply, handler, type ApiServices, type CallContext, type Session } from '../context.js';
import { jobIdOf, type CreateJob } from './jobs.js';
import type { JobCenterService } from './service.js';

export interface TaskFailure {
  class?: string;
  message: string;
  details?: JsonObject;
  retryable?: boolean;
}

/** `task_failed`'s error object as the outargs of `task_done`: `retryable: true` means class soft. */
export function failureOutargs(e: TaskFailure): JsonObject {
  let cls = isErrorClass(e.class) ? e.class : e.retryable ? 'soft' : 'normal';
  if (cls === 'soft' && e.retryable === false) cls = 'normal';
  return { error: { ...(e.details ?? {}), msg: e.message, class: cls } };
}

interface Announce {
  actionname: string;
  workername?: string | null;
  slots?: number | string | null;
  slotgroup?: string | null;
  filter?: JsonObject | null;
  labels?: JsonObject | null;
}

function sessionOf(call: CallContext, method: string): Session {
  if (!call.session) {
    throw new OrdoError('ORDO_BAD_STATE', `${method} needs a connection that receives notifications: the WebSocket at /ws or the JobCenter listener`);
  }
  return call.session;
}

export function jobcenterHandlers(s: ApiServices) {
  const jc = (call: CallContext): JobCenterService => {
    if (!s.jobcenter) throw new OrdoError('ORDO_UNAVAILABLE', 'this server does not run the JobCenter service');
    s.jobcenter.seen(call.session);
    return s.jobcenter;
  };
  const report = async (call: CallContext, cookie: string, outargs: JsonObject): Promise<null> => {
    const done = await jc(call).dispatcher.complete(call.session?.id, cookie, outargs);
    if (!done.accepted) {
      throw new OrdoError('ORDO_STALE_COOKIE', `cookie ${cookie} is not the current claim of a task (it ended, timed out or was handed to another worker); nothing changed`);
    }
    return null;
  };
  return {
    // Guessing tokens or passwords through hello is limited per client address (auth/limiter.ts).
    hello: handler(async (p: { who: string; method?: string; token: string }, call) => {
      const limiter = call.address === undefined ? undefined : s.limiter;
      limiter?.check(call.address!);
      const answer = await jc(call).hello(call.session, p);
      if (!answer[0]) limiter?.fail(call.address!);
      return answer;
    }),
    ping: handler(async (_p: unknown, call) => {
      s.jobcenter?.seen(call.session);
      return 'pong';
    }),
    create_job: handler(async (p: CreateJob, call) => jc(call).jobs.create(p, call.principal, call.session, (fn) => afterReply(call, fn))),
    get_job_status: handler(async (p: { job_id: number | string; notify?: boolean | null }, call) =>
      jc(call).jobs.status(jobIdOf(p.job_id), p.notify === true, call.session)),
    find_jobs: handler(async (p: { filter: JsonObject | string }, call) => jc(call).jobs.find(p.filter)),
    announce: handler(async (p: Announce, call) => {
      const service = jc(call);
      const session = sessionOf(call, 'announce');
      if (p.slotgroup != null) return [false, 'slot groups are not offered'];
      const { link, who } = service.linkOf(session);
      return service.dispatcher.announce({
        actionname: p.actionname, workername: p.workername ?? undefined, slots: p.slots == null ? undefined : Number(p.slots),
        filter: p.filter, labels: p.labels, sessionId: session.id, link, who, principal: call.principal, afterReply: (fn) => afterReply(call, fn),
      });
    }),
    withdraw: handler(async (p: { actionname: string }, call) => jc(call).dispatcher.withdraw(call.session?.id, p.actionname)),
    get_task: handler(async (p: { actionname: string; job_id?: number | string | null }, call) =>
      jc(call).dispatcher.getTask(call.session?.id, p.actionname, p.job_id == null ? null : jobIdOf(p.job_id))),
    task_done: handler(async (p: { cookie: string; outargs: JsonObject }, call) => report(call, p.cookie, p.outargs)),
    task_failed: handler(async (p: { cookie: string; error: TaskFailure }, call) => report(call, p.cookie, failureOutargs(p.error))),
    check_if_lock_exists: handler(async (p: { locktype: string; lockvalue: string }, call) => jc(call).lockExists(p.locktype, p.lockvalue)),
    get_api_status: handler(async (p: { what: string }, call) => jc(call).apiStatus(p.what)),
    raise_event: handler(async (p: { event: JsonObject }, call) => ({ queued: await jc(call).raiseEvent(p.event) })),
  };
}
