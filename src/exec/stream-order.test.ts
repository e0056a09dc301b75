import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Interleaver } from './stream-order.js';

const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');

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
