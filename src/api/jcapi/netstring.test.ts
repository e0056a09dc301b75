import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contains } from '../../lang/contains.js';
import { failureOutargs } from './handlers.js';
import { encodeNetstring, NetstringDecoder, NetstringError } from './netstring.js';

test('netstrings: encoded with the UTF-8 byte length; decoded across any chunking', () => {
  const a = encodeNetstring('{"x":"é"}');
  assert.equal(a.toString('utf8'), '10:{"x":"é"},');
  const stream = Buffer.concat([a, encodeNetstring(''), encodeNetstring('[1,2]')]);
  for (const size of [1, 2, 3, 7, stream.length]) {
    const d = new NetstringDecoder();
    const frames: string[] = [];
    for (let i = 0; i < stream.length; i += size) frames.push(...d.push(stream.subarray(i, i + size)).map((f) => f.toString('utf8')));
    assert.deepEqual(frames, ['{"x":"é"}', '', '[1,2]'], `chunks of ${size}`);
    assert.equal(d.pending, 0);
  }
});

test('netstrings: a length past the limit fails before the body is read; bad bytes fail', () => {
  const big = new NetstringDecoder(999_999);
  assert.throws(() => big.push(Buffer.from('1000000:')), (e: unknown) => e instanceof NetstringError && e.kind === 'too_large');
  assert.deepEqual(new NetstringDecoder(999_999).push(Buffer.from('999999:')), [], 'at the limit: waits for the body');
  const cases = ['x:', ':', '3:abc;', '3x'];
  for (const text of cases) {
    assert.throws(() => new NetstringDecoder().push(Buffer.from(text)), (e: unknown) => e instanceof NetstringError && e.kind === 'malformed', text);
  }
  const d = new NetstringDecoder();
  assert.throws(() => d.push(Buffer.from('x')));
  assert.throws(() => d.push(Buffer.from('1:a,')), 'a failed stream stays failed');
});

test('containment as jsonb @> has it', () => {
  assert.ok(contains({ a: 1, b: { c: [1, 2, 3], d: 'x' } }, { b: { c: [3, 1] } }));
  assert.ok(contains({ a: 1 }, {}));
  assert.ok(!contains({ a: 1 }, { a: '1' }));
  assert.ok(!contains({ a: { b: 1 } }, { a: { b: 1, c: 2 } }));
  assert.ok(!contains({ a: [1] }, { a: [2] }));
  assert.ok(contains([{ id: 1, x: 2 }], [{ id: 1 }]));
});

test('task_failed: the error object becomes the outargs of a failure; retryable means soft', () => {
  assert.deepEqual(failureOutargs({ message: 'm' }), { error: { msg: 'm', class: 'normal' } });
  assert.deepEqual(failureOutargs({ message: 'm', retryable: true }), { error: { msg: 'm', class: 'soft' } });
  assert.deepEqual(failureOutargs({ message: 'm', class: 'soft', retryable: false }), { error: { msg: 'm', class: 'normal' } });
  assert.deepEqual(failureOutargs({ message: 'm', class: 'timeout', details: { code: 7, msg: 'x' } }), { error: { code: 7, msg: 'm', class: 'timeout' } });
});
