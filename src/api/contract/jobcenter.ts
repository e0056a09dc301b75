/**
 * The JobCenter methods (seed 001's `jcapi`, docs/jobcenter.md) with JobCenter's names and
 * shapes: results are JobCenter's tuples (`[job_id, null]`, `[true, "success"]`, ...). Workflow runs are the
 * "jobs" (job_id 12 is the run W12). The same methods are served over the netstring TCP listener
 * (src/api/jcapi/). Ordo's additions: `task_failed` (an error object) and `raise_event`. Params that
 * JobCenter's own methods do not know are ignored, as JobCenter ignores them (its clients send some:
 * `reqauth`, `slotgroup`), instead of being refused as elsewhere in the API.
 */
import { ERROR_CLASSES } from '../../lang/vm/errors.js';
import { anyJson, anyObject, arr, bool, int, nullable, num, obj, oneOf, str } from './schema.js';
import type { MethodSpec, NotificationSpec } from './types.js';

const jobId = int({ minimum: 1, description: 'job id: the workflow run id (12 for W12)' });
const jobRef = { anyOf: [jobId, str({ pattern: '^[Ww]?[1-9][0-9]{0,15}$' })], description: 'job id (12 or "W12")' };
const actionName = str({ minLength: 1, maxLength: 200, description: 'action name' });
const cookie = str({ minLength: 1, maxLength: 200, description: 'the cookie of the claim (fencing token)' });
/** JobCenter's clients send numbers they read from a command line as strings ("2"). */
const count = (max: number, description: string) => ({
  anyOf: [int({ minimum: 1, maximum: max }), str({ pattern: `^[1-9][0-9]{0,${String(max).length - 2}}$|^${max}$` }), { type: 'null' }], description,
});
/** The params of a JobCenter method: keys it does not declare are ignored. */
const jcParams = (properties: Parameters<typeof obj>[0], required: string[] = []) => obj(properties, required, { additionalProperties: true });
/** JobCenter answers with small arrays: `[ok, message]`, `[job_id, error]`, `[job_id, outargs]`. */
const pair = (description: string) => arr(anyJson, { minItems: 2, maxItems: 2, description });

export const jobcenterMethods = {
  hello: {
    summary: 'JobCenter handshake: check a token (an API token, or a user\'s password with `who` = the user); `[true, "welcome to the clientapi WHO!"]` or `[false, "you\'re not welcome!"]` (the netstring listener then closes)',
    permission: 'public',
    params: jcParams({
      who: str({ minLength: 1, maxLength: 200 }), method: str({ maxLength: 50, description: 'only "password" (the token is checked)' }),
      token: str({ maxLength: 1000 }),
    }, ['who', 'token']),
    result: pair('[ok, message]'),
  },
  ping: {
    summary: 'answers "pong"; over a connection with announced actions it also counts as a heartbeat', permission: 'public',
    params: jcParams({}),
    result: { const: 'pong' },
  },
  create_job: {
    summary: 'start a workflow run (a job): `[job_id, null]` or `[null, error]`; the calling connection gets `job_done` when it ends',
    permission: 'operate',
    params: jcParams({
      wfname: str({ minLength: 1, maxLength: 200, description: 'workflow name' }),
      inargs: { ...anyObject, description: "the workflow's inputs; keys its `in:` does not declare are ignored (kept for find_jobs)" },
      vtag: nullable(str({ maxLength: 200, description: 'JobCenter version tag (ignored: a run uses the current version)' })),
      timeout: nullable(num({ minimum: 0, description: 'seconds to wait for job_done (0: for ever); the job goes on' })),
      clenv: nullable(anyObject),
    }, ['wfname']),
    result: pair('[job_id, null] or [null, error]'),
  },
  get_job_status: {
    summary: 'a job\'s outcome: `[job_id, outargs]` once it ended (a failure as `{"error": {...}}`), `[null, null]` before, `[null, {"error": "no job N"}]` for an unknown job; `notify`: also send `job_done`',
    permission: 'read',
    params: jcParams({ job_id: jobRef, notify: nullable(bool()) }, ['job_id']),
    result: pair('[job_id, outargs] or [null, null]'),
  },
  find_jobs: {
    summary: 'ids of jobs whose inargs contain `filter` (an object, or its JSON text), among the newest 10,000', permission: 'read',
    params: jcParams({ filter: { anyOf: [anyObject, str({ maxLength: 100_000 })] } }, ['filter']),
    result: arr(jobId),
  },
  announce: {
    summary: 'offer to do an action (at most `slots` tasks at once); the connection then gets `task_ready`: `[true, "success"]` or `[false, error]`',
    permission: 'operate', streaming: true,
    params: jcParams({
      actionname: actionName, workername: nullable(str({ minLength: 1, maxLength: 200 })),
      slots: count(10_000, 'tasks at once (default 1): a number, or its digits as a string'),
      slotgroup: nullable(str({ maxLength: 200, description: 'JobCenter slot groups are not offered: anything but null is answered [false, "slot groups are not offered"]' })),
      filter: nullable({ ...anyObject, description: 'only tasks whose inargs contain this' }),
      labels: nullable({ ...anyObject, description: "what the worker is (e.g. {\"zone\": \"dmz\"}): an action whose config has `labels` may only be announced by a worker whose labels contain them" }),
    }, ['actionname']),
    result: pair('[ok, message]'),
  },
  withdraw: {
    summary: 'stop being offered tasks of an action (claimed tasks may still be reported)', permission: 'operate', streaming: true,
    params: jcParams({ actionname: actionName }, ['actionname']),
    result: bool(),
  },
  get_task: {
    summary: 'claim a ready task of the action: `[job_id, cookie, inargs, env]`, or null when there is none (another worker took it)',
    permission: 'operate',
    params: jcParams({ actionname: actionName, job_id: nullable(jobRef) }, ['actionname']),
    result: { anyOf: [arr(anyJson, { minItems: 4, maxItems: 4 }), { type: 'null' }], description: '[job_id, cookie, inargs, env] or null' },
  },
  task_done: {
    summary: 'a task\'s outcome (usually a notification): outargs holding an `error` key are a failure; a stale cookie is refused and changes nothing',
    permission: 'operate',
    params: jcParams({ cookie, outargs: anyObject }, ['cookie', 'outargs']),
    result: { type: 'null' },
  },
  task_failed: {
    summary: 'a task failed: `error.class` (soft is retried per the action\'s policy; `retryable: true` means soft), message, details',
    permission: 'operate',
    params: obj({
      cookie,
      error: obj({
        class: oneOf(ERROR_CLASSES), message: str({ maxLength: 10_000 }), details: anyObject, retryable: bool(),
      }, ['message']),
    }, ['cookie', 'error']),
    result: { type: 'null' },
  },
  check_if_lock_exists: {
    summary: 'whether a workflow holds the lock (locktype, lockvalue) now',
    permission: 'read',
    params: jcParams({ locktype: str({ minLength: 1, maxLength: 200 }), lockvalue: str({ maxLength: 10_000 }) }, ['locktype', 'lockvalue']),
    result: bool(),
  },
  get_api_status: {
    summary: 'the JobCenter service\'s state: `what` = `stats` (`{clients, dead, workers}`) or `clients` (each connection: from, who, workername, workeractions); anything else answers "no status for WHAT"',
    permission: 'manage',
    params: jcParams({ what: str({ minLength: 1, maxLength: 100 }) }, ['what']),
    result: anyJson,
  },
  raise_event: {
    summary: 'raise a workflow event: queued for every run subscribed with a matching mask (Ordo\'s addition to the JobCenter API)',
    permission: 'operate',
    params: obj({ event: { ...anyObject, minProperties: 1 } }, ['event']),
    result: obj({ queued: int({ minimum: 0, description: 'runs it was queued for' }) }, ['queued']),
  },
} satisfies Record<string, MethodSpec>;

/** What the JobCenter side of the server sends unasked. */
export const JOBCENTER_NOTIFICATIONS = {
  greetings: {
    summary: 'the netstring listener greets every new connection',
    params: obj({ who: { const: 'jcapi' }, version: { const: '1.1' } }, ['who', 'version']),
  },
  job_done: {
    summary: 'a job created by this connection (or watched with `get_job_status {notify: true}`) ended',
    params: obj({ job_id: jobId, outargs: anyObject }, ['job_id', 'outargs']),
  },
  task_ready: {
    summary: 'a task of an announced action waits for this worker (a free slot is held for it until it calls get_task)',
    params: obj({ actionname: actionName, job_id: jobId }, ['actionname', 'job_id']),
  },
  worker_dropped: {
    summary: 'this WebSocket connection was declared dead as a worker (silent past the timeout): its announcements are gone, announce again',
    params: obj({ reason: str(), actions: arr(actionName) }, ['reason', 'actions']),
  },
} satisfies Record<string, NotificationSpec>;
