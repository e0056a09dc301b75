import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OrdoError } from '../errors.js';
import { open, seal } from './cipher.js';
import { generateKeyFile, masterKeyFrom, parseKey, readKeyFile } from './master-key.js';
import { maskList, maskText, maskValue, StreamMasker } from './mask.js';

const KEY_A = parseKey('11'.repeat(32), 'test A');
const KEY_B = parseKey(Buffer.alloc(32, 7).toString('base64'), 'test B');

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof OrdoError, String(e));
    return `${e.code}: ${e.message}`;
  }
  return 'no error';
}

test('a sealed value opens with its key and name only', () => {
  const sealed = seal(KEY_A, 'db_password', 's3cr3t value');
  assert.equal(open(KEY_A, 'db_password', sealed), 's3cr3t value');
  assert.ok(!sealed.data.includes(Buffer.from('s3cr3t')), 'the ciphertext does not hold the value');
  assert.notDeepEqual(seal(KEY_A, 'db_password', 's3cr3t value').nonce, sealed.nonce, 'a fresh nonce each time');
  // Another key is named as such; another name (a row's data copied) or a flipped bit fails authentication.
  assert.match(code(() => open(KEY_B, 'db_password', sealed)), /^ORDO_MASTER_KEY: .*encrypted with master key [0-9a-f]{16}, but the key from test B is/);
  assert.match(code(() => open(KEY_A, 'other', sealed)), /does not decrypt/);
  const flipped = { ...sealed, data: Buffer.from(sealed.data) };
  flipped.data[0] = flipped.data[0]! ^ 1;
  assert.match(code(() => open(KEY_A, 'db_password', flipped)), /altered or written with another key/);
});

test('master keys: hex, base64, the environment, key files of mode 0600 only', () => {
  assert.equal(KEY_A.bytes.length, 32);
  assert.match(code(() => parseKey('abc', 'ORDO_MASTER_KEY')), /^ORDO_MASTER_KEY: the master key from ORDO_MASTER_KEY is not 32 bytes/);
  assert.equal(masterKeyFrom({}), undefined);
  assert.equal(masterKeyFrom({ ORDO_MASTER_KEY: '11'.repeat(32) })!.id, KEY_A.id);
  const dir = mkdtempSync(join(tmpdir(), 'ordo-key-'));
  try {
    const file = join(dir, 'master.key');
    const made = generateKeyFile(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readKeyFile(file).id, made.id);
    assert.equal(masterKeyFrom({ ORDO_MASTER_KEY_FILE: file })!.id, made.id);
    assert.match(code(() => generateKeyFile(file)), /is never overwritten/);
    assert.equal(readFileSync(file, 'utf8').trim().length, 64, 'the file was not touched');
    chmodSync(file, 0o644);
    assert.match(code(() => readKeyFile(file)), /readable by others \(mode 644\): chmod 600/);
    assert.match(code(() => readKeyFile(join(dir, 'missing'))), /cannot read the master key file .*ENOENT/);
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, 'not a key\n', { mode: 0o600 });
    assert.match(code(() => readKeyFile(bad)), /is not 32 bytes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('masking: values and the lines of multi-line values, longest first, in text and JSON', () => {
  const list = maskList(['hunter22', 'line-one\nline-two\nab', 'x']);
  assert.deepEqual(list, ['line-one\nline-two\nab', 'hunter22', 'line-one', 'line-two']);
  assert.equal(maskText('pw=hunter22; key=line-one\nline-two\nab; again line-two', list), 'pw=***; key=***; again ***');
  assert.deepEqual(maskValue({ error: 'bad hunter22', n: 3, nested: ['hunter22', null] }, list), { error: 'bad ***', n: 3, nested: ['***', null] });
});

test('a stream masker hides a value split across chunks and holds back no more than it must', () => {
  const m = new StreamMasker(maskList(['hunter22']));
  const out: string[] = [];
  out.push(m.push(Buffer.from('pw=hun')).toString());
  out.push(m.push(Buffer.from('ter22 ok, hunting')).toString());
  out.push(m.push(Buffer.from(' done hu')).toString());
  out.push(m.end().toString());
  assert.deepEqual(out, ['pw=', '*** ok, hunting', ' done ', 'hu']);
  assert.equal(out.join(''), 'pw=*** ok, hunting done hu');
  // Byte by byte, too.
  const b = new StreamMasker(maskList(['hunter22']));
  const text = 'a hunter22 b hunter2 c';
  const all = [...Buffer.from(text)].map((x) => b.push(Buffer.from([x])).toString()).join('') + b.end().toString();
  assert.equal(all, 'a *** b hunter2 c');
});
