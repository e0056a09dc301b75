import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrdoError } from '../../errors.js';
import { handler } from '../context.js';
import { obj, str } from '../contract/schema.js';
import type { MethodSpec } from '../contract/types.js';
import { RpcCore, type CallInfo } from './core.js';
import { Registry } from './registry.js';

const contract: Record<string, MethodSpec> = {
  echo: { summary: 'echo', permission: 'read', params: obj({ text: str() }, ['text']), result: obj({ text: str() }, ['text']) },
  boom: { summary: 'fails', permission: 'read', params: obj({}), result: obj({}) },
  missing: { summary: 'not found', permission: 'read', params: obj({}), result: obj({}) },
  wrong: { summary: 'bad result', permission: 'read', params: obj({}), result: obj({ n: { type: 'integer' } }, ['n']) },
  admin: { summary: 'define', permission: 'define', params: obj({}), result: obj({}) },
};

function core(calls: CallInfo[] = []) {
  const registry = new Registry(contract, {
    echo: handler(async (p: { text: string }) => ({ text: p.text })),
    boom: handler(async () => {
      throw new TypeError('secret detail');
    }),
    missing: handler(async () => {
      throw new OrdoError('ORDO_NOT_FOUND', 'no such thing', { what: 'thing' });
    }),
    wrong: handler(async () => ({ n: 'x' })),
    admin: handler(async () => ({})),
  }, { checkResults: true });
  return new RpcCore(registry, { maxMessageBytes: 300, maxBatch: 3, onCall: (c) => calls.push(c) });
}

const reader = { principal: { name: 'r', role: 'user' as const, via: 'token' as const } };
const run = async (text: string) => {
  const out = await core().handle(text, reader);
  return out === undefined ? undefined : JSON.parse(out) as unknown;
};

test('a request, a notification, and an internal error that hides its message', async () => {
  assert.deepEqual(await run('{"jsonrpc":"2.0","id":"x","method":"echo","params":{"text":"hi"}}'), { jsonrpc: '2.0', id: 'x', result: { text: 'hi' } });
  assert.equal(await run('{"jsonrpc":"2.0","method":"echo","params":{"text":"hi"}}'), undefined);
  assert.equal(await run('{"jsonrpc":"2.0","method":"boom"}'), undefined, 'a failing notification is not answered');
  const calls: CallInfo[] = [];
  const r = JSON.parse((await core(calls).handle('{"jsonrpc":"2.0","id":1,"method":"boom"}', reader))!) as { error: { code: number; message: string; data: { ref: string } } };
  assert.equal(r.error.code, -32603);
  assert.doesNotMatch(r.error.message, /secret/);
  assert.equal(calls[0]!.code, 'ORDO_INTERNAL');
  assert.equal(calls[0]!.internal?.ref, r.error.data.ref, 'the log gets the same reference as the caller');
  assert.ok(calls[0]!.internal?.error instanceof TypeError);
});

test('application errors map through the catalogue; results that break their schema are internal errors', async () => {
  assert.deepEqual(await run('{"jsonrpc":"2.0","id":2,"method":"missing"}'),
    { jsonrpc: '2.0', id: 2, error: { code: 1004, message: 'no such thing', data: { code: 'ORDO_NOT_FOUND', what: 'thing' } } });
  assert.equal((await run('{"jsonrpc":"2.0","id":3,"method":"wrong"}') as { error: { code: number } }).error.code, -32603);
  assert.equal((await run('{"jsonrpc":"2.0","id":4,"method":"admin"}') as { error: { code: number } }).error.code, 1009);
});

test('size, batch limits, and the examples of the specification', async () => {
  const big = await run(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { text: 'é'.repeat(200) } }));
  assert.deepEqual(big, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'message larger than 300 bytes', data: { code: 'ORDO_TOO_LARGE', limit: 300 } } });
  const four = Array.from({ length: 4 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'echo', params: { text: 'a' } }));
  assert.equal((await run(JSON.stringify(four)) as { error: { code: number } }).error.code, -32600);
  const mixed = await run('[{"jsonrpc":"2.0","method":"echo","params":{"text":"n"}},{"foo":"boo"},{"jsonrpc":"2.0","id":"9","method":"nope"}]') as Array<{ id: unknown; error: { code: number } }>;
  assert.deepEqual(mixed.map((r) => [r.id, r.error.code]), [[null, -32600], ['9', -32601]]);
  assert.equal(await run('[{"jsonrpc":"2.0","method":"echo","params":{"text":"n"}}]'), undefined, 'a batch of notifications: nothing');
  assert.equal((await run('{"jsonrpc":"2.0","id":5,"method":"echo","params":{"text":5}}') as { error: { code: number } }).error.code, -32602);
  assert.equal((await run('{"jsonrpc":"2.0","id":6,"method":"echo","params":["a"]}') as { error: { code: number } }).error.code, -32602);
  assert.equal((await run('{"jsonrpc":"2.0","id":true,"method":"echo"}') as { id: unknown; error: { code: number } }).error.code, -32600);
  assert.equal((await run('"just a string"') as { error: { code: number } }).error.code, -32600);
  assert.equal((await run('') as { error: { code: number } }).error.code, -32700);
});
