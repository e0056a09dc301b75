/** Definitions: list, read, graph, validate, reload. */
import { DIAGNOSTIC, FLOW_DEF, FLOW_SUMMARY } from './entities.js';
import { arr, bool, entity, flowName, int, obj, str } from './schema.js';
import type { MethodSpec } from './types.js';

const validation = {
  ok: bool({ description: 'true when no definition file (flows, ordo.yaml, workflows, actions) has an error' }), flows: int(), jobs: int(),
  workflows: int(), actions: int(), diagnostics: arr(DIAGNOSTIC),
};

export const flowMethods = {
  'flows.list': {
    summary: 'the flows of the loaded definitions', permission: 'read',
    params: obj({}), result: arr(FLOW_SUMMARY), rest: { verb: 'GET', path: '/api/flows' },
  },
  'flows.get': {
    summary: "a flow's definition (jobs, dependencies, parameters)", permission: 'read',
    params: obj({ flow: flowName }, ['flow']), result: FLOW_DEF, rest: { verb: 'GET', path: '/api/flows/:flow' },
  },
  'flows.graph': {
    summary: 'the dependency graph: jobs and edges labelled with the awaited end states', permission: 'read',
    params: obj({ flow: flowName }, ['flow']),
    result: obj({
      flow: str(),
      nodes: arr(obj({ job: str(), enabled: bool() }, ['job', 'enabled'])),
      edges: arr(obj({ from: str(), to: str(), states: arr(str()), any: bool({ description: 'a member of an `any` group' }) },
        ['from', 'to', 'states', 'any'])),
    }, ['flow', 'nodes', 'edges']),
    rest: { verb: 'GET', path: '/api/flows/:flow/graph' },
  },
  'flows.validate': {
    summary: "check the project's definition files as they are now on disk (changes nothing)", permission: 'read',
    params: obj({}), result: entity('the diagnostics of every file', validation),
    rest: { verb: 'POST', path: '/api/flows/validate' },
  },
  'flows.reload': {
    summary: 'read the definition files again (workflows and actions too, stored as new versions) and serve them, when they have no error', permission: 'define',
    params: obj({}), result: entity('the diagnostics; `ok` when the new definitions are served', validation),
    rest: { verb: 'POST', path: '/api/flows/reload' },
  },
} satisfies Record<string, MethodSpec>;
