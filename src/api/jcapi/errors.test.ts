import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainErrors } from './errors.js';

test('errors for JobCenter peers: only code and message, the ORDO_* code at the head of the message', () => {
  const forbidden = { jsonrpc: '2.0', id: 'a', error: { code: -32003, message: 'no', data: { code: 'ORDO_FORBIDDEN', role: 'user' } } };
  assert.deepEqual(plainErrors(forbidden), { jsonrpc: '2.0', id: 'a', error: { code: -32003, message: 'ORDO_FORBIDDEN: no' } });
  const ok = { jsonrpc: '2.0', id: 1, result: { error: 'a result is left alone', data: 1 } };
  assert.deepEqual(plainErrors([ok, { jsonrpc: '2.0', id: 2, error: { code: 1, message: 'plain' } }]),
    [ok, { jsonrpc: '2.0', id: 2, error: { code: 1, message: 'plain' } }]);
  const prefixed = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'ORDO_PARSE_ERROR: x', data: { code: 'ORDO_PARSE_ERROR' } } };
  assert.equal((plainErrors(prefixed) as { error: { message: string } }).error.message, 'ORDO_PARSE_ERROR: x', 'not prefixed twice');
});
