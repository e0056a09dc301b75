/**
 * Hosts and their agents (docs/hosts.md): what operators see and do (`hosts.*`), and the methods an `ordo
 * agent` calls over its WebSocket (`agent.*`). The server tells an agent `agent.start`, `agent.abort` and
 * `agent.inventory` as notifications (AGENT_NOTIFICATIONS).
 */
import { anyObject, arr, bool, int, millis, obj, oneOf, resourceName, str } from './schema.js';
import type { MethodSpec, NotificationSpec } from './types.js';

const labels = { type: 'object', additionalProperties: { type: 'string' } };
const attemptKey = str({ minLength: 5, maxLength: 300, description: 'run/task/attempt' });
const token = int({ minimum: 0, description: 'the attempt\'s fencing token' });
const fence = int({ minimum: 1, description: 'the fencing number of the singleton lease the attempt holds' });
const inventory = arr(obj({ key: attemptKey, token, state: oneOf(['running', 'ended']) }, ['key', 'token', 'state']), { maxItems: 100_000 });

const HOST = obj({
  name: str(), transport: oneOf(['agent', 'ssh']), state: oneOf(['up', 'away', 'down', 'draining']), labels, slots: int(), running: int(), address: str(),
  agent: obj({ connectedAt: millis(), version: str(), labels }, ['connectedAt', 'labels']),
  checkedAt: millis({ description: 'SSH hosts: when the server last tried to connect' }),
  reason: str({ description: 'SSH hosts: why the last connect failed (the host is down)' }),
}, ['name', 'transport', 'state', 'labels', 'slots', 'running']);

const toggle = (verb: 'drain' | 'resume', summary: string): MethodSpec => ({
  summary, permission: 'operate',
  params: obj({ name: resourceName }, ['name']),
  result: obj({ name: str(), state: str() }, ['name', 'state']),
  rest: { verb: 'POST', path: `/api/hosts/:name/${verb}` },
});

export const hostMethods = {
  'hosts.list': {
    summary: 'the hosts of ordo.yaml: up (its agent connected, or an SSH host that answers), away (dropped, within its lease), down or draining; slots and running jobs',
    permission: 'read', params: obj({}), result: arr(HOST), rest: { verb: 'GET', path: '/api/hosts' },
  },
  'hosts.drain': toggle('drain', 'drain a host: running jobs finish, no new job starts there'),
  'hosts.resume': toggle('resume', 'end a drain: the host takes jobs again (when its agent is connected)'),
  'agent.hello': {
    summary: 'an agent connects under its host\'s name, listing the attempts it holds; the server then sends it `agent.start` for work placed there',
    permission: 'operate', streaming: true,
    params: obj({ name: resourceName, labels, version: str({ maxLength: 100 }), attempts: inventory }, ['name', 'attempts']),
    result: obj({ host: str(), slots: int(), renewEveryMs: int({ description: 'how often to call agent.renew (singleton leases; also the agent\'s heartbeat)' }) }, ['host', 'slots']),
  },
  'agent.renew': {
    summary: 'an agent renews the singleton leases of its attempts (also its heartbeat); `lost` lists those it no longer holds, which it stops at once',
    permission: 'operate', streaming: true,
    params: obj({ leases: arr(obj({ key: attemptKey, fence }, ['key', 'fence']), { maxItems: 10_000 }) }, ['leases']),
    result: obj({ renewed: arr(str()), lost: arr(str()), ttlMs: int() }, ['renewed', 'lost', 'ttlMs']),
  },
  'agent.inventory': {
    summary: 'an agent lists the attempts it holds (asked by `agent.inventory`)', permission: 'operate', streaming: true,
    params: obj({ attempts: inventory }, ['attempts']), result: obj({ ok: bool() }, ['ok']),
  },
  'agent.done': {
    summary: 'an attempt ended on an agent: its outcome, with the attempt\'s token; `accepted: false` for a stale or repeated one',
    permission: 'operate', streaming: true,
    params: obj({ key: attemptKey, token, fence, outcome: anyObject }, ['key', 'token', 'outcome']),
    result: obj({ accepted: bool(), reason: str() }, ['accepted']),
  },
  'agent.output': {
    summary: 'live output of an attempt on an agent (base64), appended to the server\'s copy of its log', permission: 'operate', streaming: true,
    params: obj({ key: attemptKey, stream: oneOf(['stdout', 'stderr']), data: str({ maxLength: 1_500_000 }) }, ['key', 'stream', 'data']),
    result: obj({ ok: bool() }, ['ok']),
  },
} satisfies Record<string, MethodSpec>;

export const AGENT_NOTIFICATIONS: Record<string, NotificationSpec> = {
  'agent.start': {
    summary: 'to an agent: run this attempt (the job as the engine expanded it); a repeated one is ignored, or answered with its outcome if it ended. ' +
      'With `lease`: renew it first (agent.renew), start only if renewed, and stop the job `marginMs` before the lease would end unrenewed',
    params: obj({
      key: attemptKey, runId: str(), taskId: int(), flow: str(), attempt: int(), token, job: anyObject, input: anyObject,
      env: anyObject, logMaxBytes: int(), startedAt: millis(),
      lease: obj({ name: str(), fence, ttlMs: int(), marginMs: int() }, ['name', 'fence', 'ttlMs', 'marginMs']),
    }),
  },
  'agent.abort': { summary: 'to an agent: stop this attempt (SIGTERM to its process group, SIGKILL after its grace)', params: obj({ key: attemptKey, reason: str() }, ['key']) },
  'agent.inventory': { summary: 'to an agent: list the attempts you hold (answer with the agent.inventory method)', params: obj({}) },
};
