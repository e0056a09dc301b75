import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandSyntaxError, splitCommand } from './argv.js';

test('words, quotes, escapes and empty arguments', () => {
  assert.deepEqual(splitCommand('node scripts/add.js'), ['node', 'scripts/add.js']);
  assert.deepEqual(splitCommand('  a \t b\n c  '), ['a', 'b', 'c']);
  assert.deepEqual(splitCommand(`echo 'a b' "c d" e\\ f`), ['echo', 'a b', 'c d', 'e f']);
  assert.deepEqual(splitCommand(`x 'it''s' "say \\"hi\\"" "back\\\\slash" "keep \\n"`), ['x', 'its', 'say "hi"', 'back\\slash', 'keep \\n']);
  assert.deepEqual(splitCommand(`a'b c'd`), ['ab cd']);
  assert.deepEqual(splitCommand(`cmd '' ""`), ['cmd', '', '']);
  assert.deepEqual(splitCommand('echo $HOME ~ *.js'), ['echo', '$HOME', '~', '*.js'], 'nothing is expanded');
  assert.deepEqual(splitCommand(`sh -c 'a | b > c'`), ['sh', '-c', 'a | b > c']);
});

test('shell operators, open quotes and empty commands are refused with a column', () => {
  for (const [cmd, pattern] of [
    ['a | b', /'\|' would need a shell.*column 3/],
    ['a > out', /'>'/],
    ['a; b', /';'/],
    ['echo $(id)', /'\$\('/],
    ['echo `id`', /'`'/],
    [`echo 'open`, /single quote is not closed at column 6/],
    ['echo "open', /double quote is not closed at column 6/],
    ['echo \\', /backslash ends/],
    ['   ', /empty/],
  ] as const) {
    assert.throws(() => splitCommand(cmd), (err: unknown) => err instanceof CommandSyntaxError && pattern.test(err.message), cmd);
  }
});
