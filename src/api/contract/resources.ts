/** Shared resources and runtime settings: gates, connectors, the slot limit, and the pigeon hole (kv). */
import { RESOURCE } from './entities.js';
import { arr, int, obj, reason, resourceName, runId, str } from './schema.js';
import type { MethodSpec } from './types.js';

const KEY = str({ pattern: '^[A-Za-z_][\\w.-]{0,199}$', description: 'letters, digits, _ . -; up to 200' });

function toggle(kind: 'gate' | 'connector', verb: string, closed: boolean, summary: string): MethodSpec {
  return {
    summary, permission: 'operate',
    params: obj({ name: resourceName, reason }, ['name']),
    result: obj({ name: str(), closed: { const: closed } }, ['name', 'closed']),
    rest: { verb: 'POST', path: `/api/${kind}s/:name/${verb}` },
  };
}

export const resourceMethods = {
  'gates.open': toggle('gate', 'open', false, 'open a gate: the jobs that wait for it may start'),
  'gates.close': toggle('gate', 'close', true, 'close a gate: jobs that need it are held'),
  'connectors.block': toggle('connector', 'block', true, 'block a connector: jobs that use it are held'),
  'connectors.unblock': toggle('connector', 'unblock', false, 'unblock a connector'),
  'resources.list': {
    summary: 'gates, connectors and locks: open, closed or blocked, and which tasks hold them', permission: 'read',
    params: obj({}), result: arr(RESOURCE), rest: { verb: 'GET', path: '/api/resources' },
  },
  'settings.set': {
    summary: "change a runtime setting of every engine on this store (`max-parallel`: the engines' slot limit)", permission: 'operate',
    params: obj({ name: { enum: ['max-parallel'] }, value: int({ minimum: 1, maximum: 100_000 }) }, ['name', 'value']),
    result: obj({ name: str(), value: int() }, ['name', 'value']),
    rest: { verb: 'POST', path: '/api/settings/:name' },
  },
  'kv.get': {
    summary: "a value of a run's key-value store (the pigeon hole)", permission: 'read',
    params: obj({ run: runId, key: KEY }, ['run', 'key']), result: obj({ key: str(), value: str() }, ['key', 'value']),
    rest: { verb: 'GET', path: '/api/runs/:run/kv/:key' },
  },
  'kv.set': {
    summary: "store a value in a run's key-value store", permission: 'operate',
    params: obj({ run: runId, key: KEY, value: str({ maxLength: 1024 * 1024 }) }, ['run', 'key', 'value']),
    result: obj({ key: str() }, ['key']),
    rest: { verb: 'POST', path: '/api/runs/:run/kv/:key' },
  },
  'kv.list': {
    summary: "every key and value of a run's key-value store", permission: 'read',
    params: obj({ run: runId }, ['run']), result: arr(obj({ key: str(), value: str() }, ['key', 'value'])),
    rest: { verb: 'GET', path: '/api/runs/:run/kv' },
  },
} satisfies Record<string, MethodSpec>;
