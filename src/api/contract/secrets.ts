/**
 * Secrets (`ordo secret`, docs/secrets.md): permission `manage`. A value goes in and never comes out: there
 * is no method that reads one; only the engine decrypts, for the attempts that name it.
 */
import { arr, entity, int, obj, str } from './schema.js';
import type { MethodSpec } from './types.js';

const name = str({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,99}$' });

export const secretMethods = {
  'secrets.list': {
    summary: 'the secrets: names, the master key that sealed each, when and by whom set (never a value)', permission: 'manage', params: obj({}),
    result: arr(entity('a secret', { name: str(), keyId: str(), createdAt: int(), updatedAt: int(), updatedBy: str() })),
    rest: { verb: 'GET', path: '/api/secrets' },
  },
  'secrets.set': {
    summary: 'set a secret (encrypted with the server\'s master key; at least 4 characters, so that it can be masked in logs)', permission: 'manage',
    params: obj({ name, value: str({ minLength: 4, maxLength: 65536 }) }, ['name', 'value']),
    result: obj({ name: str(), replaced: { type: 'boolean' } }, ['name', 'replaced']),
    rest: { verb: 'POST', path: '/api/secrets' },
  },
  'secrets.delete': {
    summary: 'delete a secret: jobs that name it fail until it is set again', permission: 'manage',
    params: obj({ name }, ['name']), result: obj({ name: str(), deleted: { const: true } }, ['name', 'deleted']),
    rest: { verb: 'POST', path: '/api/secrets/:name/delete' },
  },
} satisfies Record<string, MethodSpec>;
