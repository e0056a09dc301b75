import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, ERROR_WIRE, type ErrorCode } from '../../errors.js';
import { API_DOC, renderApiDoc } from '../docs.js';
import { newAjv } from '../rpc/registry.js';
import { CONTRACT, NOTIFICATIONS, type MethodSpec } from './index.js';

test('every schema of the contract compiles in strict mode', () => {
  const ajv = newAjv();
  for (const [name, spec] of Object.entries(CONTRACT) as Array<[string, MethodSpec]>) {
    assert.doesNotThrow(() => ajv.compile(spec.params), `${name} params`);
    assert.doesNotThrow(() => ajv.compile(spec.result), `${name} result`);
  }
  for (const [name, spec] of Object.entries(NOTIFICATIONS)) assert.doesNotThrow(() => ajv.compile(spec.params), name);
});

test('REST routes: path segments are required params, routes are unique', () => {
  const seen = new Set<string>();
  for (const [name, spec] of Object.entries(CONTRACT) as Array<[string, MethodSpec]>) {
    if (!spec.rest) continue;
    const key = `${spec.rest.verb} ${spec.rest.path}`;
    assert.ok(!seen.has(key), `${key} twice`);
    seen.add(key);
    for (const [, p] of spec.rest.path.matchAll(/:(\w+)/g)) {
      assert.ok((spec.params.required as string[]).includes(p!), `${name}: :${p} must be a required param`);
    }
  }
});

test('docs/api.md lists every method, notification and error as the contract says', () => {
  const doc = readFileSync(API_DOC, 'utf8');
  assert.equal(renderApiDoc(doc), doc, 'docs/api.md is out of date: run `node dist/src/api/docs.js --write`');
  for (const name of Object.keys(CONTRACT)) assert.match(doc, new RegExp(`\\| \`${name.replace('.', '\\.')}\` \\|`));
});

test('every error code has its own HTTP status and JSON-RPC code', () => {
  const rpc = new Set<number>();
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    const wire = ERROR_WIRE[code];
    assert.ok(wire, `${code} has no entry in ERROR_WIRE`);
    assert.ok(!rpc.has(wire.rpc), `JSON-RPC code ${wire.rpc} used twice`);
    rpc.add(wire.rpc);
  }
});
