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

test('netstrings: a leading zero or more than 7 digits is refused at once; a lone 0 is an empty frame', () => {
  const refused = (d: NetstringDecoder, bytes: string, kind: NetstringError['kind']) =>
    assert.throws(() => d.push(Buffer.from(bytes)), (e: unknown) => e instanceof NetstringError && e.kind === kind, bytes);
  // 200,000 zeros once froze the server (each byte parsed the whole length again): now the second one fails.
  const zeros = new NetstringDecoder();
  assert.deepEqual(zeros.push(Buffer.from('0')), []);
  refused(zeros, '0'.repeat(199_999), 'malformed');
  refused(new NetstringDecoder(), '01:a,', 'malformed');
  // Whatever the limit, an eighth digit is too many.
  refused(new NetstringDecoder(Number.MAX_SAFE_INTEGER), '12345678', 'too_large');
  assert.throws(() => new NetstringDecoder().push(Buffer.from('1000000')), /a frame of more than 999,999 bytes \(the limit\)/);
  assert.deepEqual(new NetstringDecoder().push(Buffer.from('0:,')).map(String), ['']);
  const d = new NetstringDecoder(10);
  d.limit = 3;
  refused(d, '4:', 'too_large');
});

test('netstrings: a frame at the limit, one byte at a time, holds one buffer of its size', () => {
  const d = new NetstringDecoder();
  const body = Buffer.alloc(999_999, 0x61);
  const stream = Buffer.concat([Buffer.from('999999:'), body, Buffer.from(',')]);
  const frames: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) {
    frames.push(...d.push(stream.subarray(i, i + 1)));
    if (i === 500_000) assert.equal(d.pending, 500_001);
  }
  assert.equal(frames.length, 1);
  assert.ok(frames[0]!.equals(body));
  assert.equal(d.pending, 0);
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
