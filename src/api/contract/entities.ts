/** Schemas of the things the API returns: runs, tasks, attempts, events, flows, diagnostics, resources. */
import { END_STATES } from '../../defs/model.js';
import { anyObject, arr, bool, entity, int, millis, nullable, num, oneOf, str } from './schema.js';

export const RUN_STATES = ['pending', 'running', 'succeeded', 'failed', 'aborted'] as const;
export const TASK_STATES = ['waiting', 'ready', 'running', ...END_STATES] as const;
export const ATTEMPT_STATES = ['running', 'succeeded', 'failed', 'timeout', 'aborted', 'lost'] as const;

const RUN_FIELDS = {
  id: int(), flow: str(), flowVersionId: int(), state: oneOf(RUN_STATES), params: anyObject,
  createdAt: millis(), startedAt: nullable(millis()), endedAt: nullable(millis()),
  owner: nullable(str({ description: 'the engine driving it' })), heartbeatAt: nullable(millis()),
  priority: int(), statsClass: str(),
};
export const RUN = entity('a run: an instance of a flow, pinned to the definition version it started with', {
  ...RUN_FIELDS,
  vars: { type: 'object', additionalProperties: { type: 'string' }, description: 'its ${{ vars.NAME }} values, resolved when it was created' },
}, Object.keys(RUN_FIELDS));

export const USAGE = entity("what an attempt's processes used (docs/history.md)", {
  cpuUserMs: int(), cpuSystemMs: int(), maxRssKb: int({ description: 'peak resident set of the largest process of the tree, KiB' }),
}, ['cpuUserMs', 'cpuSystemMs']);

export const ATTEMPT = entity('one execution of a task', {
  taskId: int(), attempt: int(), state: oneOf(ATTEMPT_STATES), owner: nullable(str()), pid: nullable(int()),
  startedAt: millis(), endedAt: nullable(millis()), exitCode: nullable(int()), signal: nullable(str()),
  error: nullable(str()), result: nullable(anyObject),
  usage: nullable(USAGE),
  limits: nullable({ type: 'object', additionalProperties: str(), description: 'how each of the job\'s limits was enforced (docs/limits.md)' }),
}, ['taskId', 'attempt', 'state', 'owner', 'pid', 'startedAt', 'endedAt', 'exitCode', 'signal', 'error', 'result']);

export const TASK = entity('a task: an instance of a job inside a run', {
  id: int(), runId: int(), job: str(), state: oneOf(TASK_STATES), attempts: int(),
  notBefore: nullable(millis()), skipRequested: bool(), abortRequested: bool(), reason: nullable(str()),
  exitCode: nullable(int()), startedAt: nullable(millis()), endedAt: nullable(millis()), result: nullable(anyObject),
});

export const TASK_WITH_ATTEMPTS = { ...TASK, properties: { ...(TASK.properties as object), attemptsList: arr(ATTEMPT) } };

export const EVENT = entity('an audit-trail record of a state change', {
  id: int(), at: millis(), runId: nullable(int()), taskId: nullable(int()), job: nullable(str()), kind: str(),
  data: anyObject,
}, ['id', 'at', 'runId', 'kind']);

export const PARAM = entity('a flow parameter', {
  name: str(), type: oneOf(['string', 'number', 'integer', 'boolean']), required: bool(),
  default: { type: ['string', 'number', 'boolean'] }, description: str(),
}, ['name', 'type', 'required']);

export const FLOW_SUMMARY = entity('a flow of the loaded definitions', {
  name: str(), description: str(), file: str(), jobs: int({ description: 'how many jobs' }), params: arr(PARAM),
  triggers: int({ description: 'how many triggers' }),
}, ['name', 'file', 'jobs', 'params']);

export const FLOW_DEF = entity('a flow definition as the engine runs it (the validated model)', {
  name: str(), file: str(), params: arr(PARAM), jobs: arr(entity('a job', { name: str(), kind: str() })), priority: num(),
}, ['name', 'file', 'params', 'jobs']);

export const DIAGNOSTIC = entity('a problem in a definition file', {
  code: str(), message: str(), severity: oneOf(['error', 'warning']),
  at: entity('where', { file: str(), line: int(), column: int() }),
});

export const RESOURCE = entity('a gate, connector, lock or host and who holds it', {
  name: str({ description: 'lock:NAME, connector:NAME or host:NAME' }), closed: bool(), reason: nullable(str()),
  holders: arr(entity('a hold', { runId: int(), job: str(), mode: oneOf(['shared', 'exclusive']) })),
  kind: oneOf(['gate', 'lock', 'connector', 'host'], { description: 'a gate is a lock declared in ordo.yaml (it can be opened and closed)' }),
  limit: nullable(int({ description: 'uses at once: a connector\'s maxParallel, a host\'s slots; null: unlimited' })),
}, ['name', 'closed', 'reason', 'holders']);

export const EXPLANATION = entity('why a job is not running', {
  run: int(), job: str(), state: oneOf(TASK_STATES), text: str(), wait: anyObject,
  pending: arr(entity('an unmet dependency', { job: str(), state: str(), wants: arr(str()) })),
  undriven: bool({ description: 'the run is unfinished and no live engine drives it' }),
}, ['run', 'job', 'state', 'text']);

const FORECAST_JOB = entity('expected start and end of a job', {
  job: str(), state: oneOf(TASK_STATES), start: nullable(millis()), end: nullable(millis()), known: bool(),
  deadline: nullable(millis()), late: bool(),
});

export const FORECAST = entity('expected end of a run and of each job', {
  run: int(), end: millis({ description: 'the expected end; for a run that has ended, its real end' }),
  ended: bool({ description: 'the run has ended: `end` and every job are what happened, not a forecast' }),
  state: oneOf(RUN_STATES), jobs: arr(FORECAST_JOB), late: arr(str(), { description: 'jobs expected to miss their deadline' }),
});
