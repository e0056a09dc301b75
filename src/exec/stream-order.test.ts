import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support/tmp.js';
import { Interleaver, StreamOrderWriter } from './stream-order.js';

const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');

test('the writer records a run of bytes at each switch of stream, and the last run when it closes', async () => {
  const tmp = tempDir('ordo-order-');
  try {
    const path = join(tmp.path, 'order.idx');
    const w = new StreamOrderWriter(path);
    w.note('stdout', 3);
    w.note('stdout', 2);
    assert.equal(existsSync(path), false, 'no switch yet: no file');
    w.note('stderr', 4);
    w.note('stdout', 1);
    await w.close();
    assert.equal(readFileSync(path, 'utf8'), 'o 5\ne 4\no 1\n');
    const quiet = new StreamOrderWriter(join(tmp.path, 'none.idx'));
    quiet.note('stderr', 9);
    await quiet.close();
    assert.equal(existsSync(join(tmp.path, 'none.idx')), false, 'one stream only: no file at all');
  } finally {
    tmp.cleanup();
  }
});

test('the interleaver puts the streams back in order, and past the cap shows the rest of each stream after', () => {
  const mix = new Interleaver();
  mix.addData('stdout', Buffer.from('a1\na2\n'));
  mix.addData('stderr', Buffer.from('E1\n'));
  mix.addOrder('o 3\ne 3\no 3\n');
  assert.equal(text(mix.drain(true)), 'a1\nE1\na2\n');
  const capped = new Interleaver();
  capped.addData('stdout', Buffer.from('a1\na2\n'));
  capped.addData('stderr', Buffer.from('E1\nE2\n'));
  capped.addOrder('o 3\ne 3\n'); // recording stopped here
  assert.equal(text(capped.drain(true)), 'a1\nE1\na2\nE2\n');
});

test('following: output after the last switch is shown at once, and not again when its record arrives', () => {
  const mix = new Interleaver();
  mix.addData('stdout', Buffer.from('one\n'));
  assert.equal(text(mix.drain(false)), 'one\n', 'no switch yet: the only stream is shown');
  mix.addData('stderr', Buffer.from('err\n'));
  assert.equal(text(mix.drain(false)), '', 'stderr waits for the record that says where it goes');
  mix.addOrder('o 4\n');
  assert.equal(text(mix.drain(false)), 'err\n');
  mix.addData('stdout', Buffer.from('two\n'));
  mix.addOrder('e 4\n');
  assert.equal(text(mix.drain(false)), 'two\n');
  mix.addOrder('o 4\n'); // the writer's last record, at the end
  assert.equal(text(mix.drain(true)), '');
});
