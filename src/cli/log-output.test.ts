import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logFormatOf, prettyLine } from './log-output.js';

test('the format: chosen, else pretty on a terminal and JSON elsewhere', () => {
  assert.equal(logFormatOf(undefined, true), 'pretty');
  assert.equal(logFormatOf(undefined, false), 'json');
  assert.equal(logFormatOf('json', true), 'json');
  assert.equal(logFormatOf('pretty', false), 'pretty');
  assert.throws(() => logFormatOf('xml', true), /--log-format must be one of json, pretty, got "xml"/);
});

test('a pretty line: time, level, message, then key=value pairs', () => {
  const time = new Date(2026, 11, 4, 9, 5, 7, 42).getTime();
  const line = prettyLine(`${JSON.stringify({ level: 30, time, pid: 1, msg: 'ordo server: started', store: '/x/.ordo/ordo.db', maxParallel: 8, jcapi: null, note: 'two words', tags: ['a'] })}\n`);
  assert.equal(line, '09:05:07.042 INFO  ordo server: started store=/x/.ordo/ordo.db maxParallel=8 jcapi=null note="two words" tags=["a"]\n');
});

test('errors show their message, then their stack indented; levels; colour only when asked', () => {
  const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (a.js:1:1)\n    at g (b.js:2:2)' };
  const line = prettyLine(JSON.stringify({ level: 50, time: 0, msg: 'adopt loop', err }));
  assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} ERROR adopt loop err=boom\n    at f \(a\.js:1:1\)\n    at g \(b\.js:2:2\)\n$/);
  assert.match(prettyLine(JSON.stringify({ level: 40, time: 0, msg: 'w' })), / WARN  w\n$/);
  assert.match(prettyLine(JSON.stringify({ level: 40, time: 0, msg: 'w' }), true), / \x1b\[33mWARN \x1b\[0m w\n$/);
  assert.equal(prettyLine('not json'), 'not json\n');
});
