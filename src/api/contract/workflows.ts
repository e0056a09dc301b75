/** Workflow runs (the `ordo wf` commands): list, show with the step trace, variables, and the operator's changes. */
import { anyJson, anyObject, arr, entity, int, nullable, obj, oneOf, str } from './schema.js';
import type { MethodSpec } from './types.js';

/** `W12` or 12. */
export const wfRun = { anyOf: [int({ minimum: 1 }), str({ pattern: '^[Ww]?[1-9][0-9]{0,15}$' })], description: 'workflow run (W12 or 12)' };

const WF_RUN = entity('a workflow run', {
  id: str({ description: 'W12' }), workflow: str(), versionId: int(), status: oneOf(['running', 'waiting', 'done', 'error']),
  parent: nullable(str()), depth: int(), input: anyObject, output: nullable(anyObject), error: nullable(anyObject),
  step: int({ description: 'steps logged' }), owner: nullable(str()), createdAt: int(), updatedAt: int(), endedAt: nullable(int()),
});

const VARS = obj({ a: anyObject, v: anyObject, e: anyObject }, ['a', 'v', 'e']);

const WORKER = entity('a remote worker that announced the action', {
  name: str(), slots: int({ description: 'tasks at once' }), used: int({ description: 'tasks offered or claimed now' }),
});

export const workflowMethods = {
  'wf.catalog': {
    summary: 'the workflows and actions (their latest versions) and, per action, its command (run by the servers) and the remote workers that serve it now',
    permission: 'read', params: obj({}),
    result: obj({
      workflows: arr(entity('a workflow', { name: str(), version: int(), createdAt: int() })),
      actions: arr(entity('an action', {
        name: str(), version: int(), createdAt: int(), command: nullable(str({ description: "`config: command`: the servers' command worker runs it" })),
        workers: arr(WORKER),
      })),
    }, ['workflows', 'actions']),
    rest: { verb: 'GET', path: '/api/workflows' },
  },
  'wf.list': {
    summary: 'workflow runs, newest first', permission: 'read',
    params: obj({ workflow: str({ maxLength: 200 }), status: oneOf(['running', 'waiting', 'done', 'error']), limit: int({ minimum: 1, maximum: 1000 }) }),
    result: arr(WF_RUN), rest: { verb: 'GET', path: '/api/workflow-runs' },
  },
  'wf.get': {
    summary: 'a workflow run with its step trace (the task log): steps, tasks, children', permission: 'read',
    params: obj({ run: wfRun }, ['run']),
    result: obj({
      run: WF_RUN, version: int(),
      steps: arr(entity('a step', { step: int(), at: int(), pc: int(), op: str(), event: anyJson, effect: anyJson, status: str() })),
      tasks: arr(entity('an action task', { id: int(), step: int(), action: str(), state: str(), attempts: int() })),
      children: arr(WF_RUN),
      text: str({ description: 'the trace as `ordo wf show` prints it' }),
    }, ['run', 'version', 'steps', 'tasks', 'children', 'text']),
    rest: { verb: 'GET', path: '/api/workflow-runs/:run' },
  },
  'wf.vars': {
    summary: "a run's arguments (a.), variables (v.) and environment (e.)", permission: 'read',
    params: obj({ run: wfRun }, ['run']), result: VARS, rest: { verb: 'GET', path: '/api/workflow-runs/:run/vars' },
  },
  'wf.setVar': {
    summary: 'change variables of a waiting (or failed) run (recorded as a wf_var_set event); the engine reads them before its next step',
    permission: 'operate',
    params: obj({ run: wfRun, vars: { ...anyObject, minProperties: 1, description: 'name -> new value' } }, ['run', 'vars']),
    result: VARS, rest: { verb: 'POST', path: '/api/workflow-runs/:run/vars' },
  },
  'wf.cancel': {
    summary: 'cancel a run: an error of class fatal; the children it waits for are cancelled with it', permission: 'operate',
    params: obj({ run: wfRun }, ['run']), result: obj({ run: str() }, ['run']), rest: { verb: 'POST', path: '/api/workflow-runs/:run/cancel' },
  },
  'wf.retry': {
    summary: 'make a failed run runnable again at the step that failed; this server drives it', permission: 'operate',
    params: obj({ run: wfRun }, ['run']), result: obj({ run: str() }, ['run']), rest: { verb: 'POST', path: '/api/workflow-runs/:run/retry' },
  },
} satisfies Record<string, MethodSpec>;
