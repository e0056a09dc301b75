import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRegex, type RegexProgram } from './regex.js';
import { regexTest } from './regex-vm.js';

/** The linear-time matcher against JavaScript's RegExp on the supported subset, and its guarantees. */
function matches(pattern: string, flags: string, input: string): boolean {
  const prog = compileRegex(pattern, flags);
  assert.notEqual(typeof prog, 'string', `${pattern}: ${String(prog)}`);
  return regexTest(prog as RegexProgram, input, () => undefined);
}

const PATTERNS: Array<[string, string]> = [
  ['abc', ''], ['^abc$', ''], ['a.c', ''], ['a.c', 's'], ['colou?r', ''], ['a+b*', ''], ['(ab|cd)+e', ''],
  ['[a-z]+\\d{2,3}', ''], ['[^0-9]', ''], ['\\bword\\b', ''], ['\\Bor', ''], ['x{3}', ''], ['x{2,}', ''],
  ['^$', ''], ['^b', 'm'], ['c$', 'm'], ['ABC', 'i'], ['[a-c]+', 'i'], ['\\s+\\S', ''], ['\\w+@\\w+\\.com', ''],
  ['(?:a|b)*c', ''], ['a|', ''], ['\\.\\*\\+\\?\\(', ''], ['[\\]\\-]', ''], ['a*?b', ''], ['(a*)*b', ''], ['[.]', ''],
  ['sqlerrm Illegal division by zero', ''], ['^(\\d+\\.){3}\\d+$', ''], ['é+', ''], ['\\t', ''],
];
const INPUTS = ['', 'abc', 'ABC', 'a\nc', 'color', 'colour', 'abcde', 'cdabe', 'xyz123', 'hello word!', 'sword', 'or',
  'xxx', 'x', 'a\nb\nc', 'foo bar', 'me@host.com', 'aaab', 'ab', '.*+?(', ']', '-', '192.168.1.10', '1.2.3', 'ééé', 'a\tb',
  'sqlerrm Illegal division by zero at line 3', 'b', 'c', 'aac'];

test('agrees with RegExp on the supported subset', () => {
  for (const [pattern, flags] of PATTERNS) {
    const native = new RegExp(pattern, flags);
    for (const input of INPUTS) {
      assert.equal(matches(pattern, flags, input), native.test(input), `/${pattern}/${flags} on ${JSON.stringify(input)}`);
    }
  }
});

test('catastrophic patterns of backtracking engines run in linear time', () => {
  const input = `${'a'.repeat(10_000)}!`;
  const started = Date.now();
  for (const pattern of ['(a+)+$', '(a|a)*b', '^(a*)*$', '^(a|aa)+$', '(.*a){20}$']) {
    assert.equal(matches(pattern, '', input), false, pattern);
  }
  assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
});

test('the matcher charges its work to the expression budget', () => {
  let charged = 0;
  regexTest(compileRegex('a*b', '') as RegexProgram, 'a'.repeat(100), (n) => {
    charged += n;
  });
  assert.ok(charged >= 100);
});

test('unsupported or invalid patterns are refused with a reason', () => {
  const refused: Array<[string, string, RegExp]> = [
    ['(?=a)', '', /lookarounds/], ['(a)\\1', '', /unsupported escape/], ['a**', '', /nested quantifier/],
    ['*a', '', /nothing to repeat/], ['(a', '', /missing '\)'/], ['[a', '', /missing '\]'/], ['a{2000}', '', /above 1000/],
    ['x', 'g', /unsupported flag/], ['a'.repeat(600), '', /longer than/], ['(a{1000}){1000}', '', /too large/],
    ['[z-a]', '', /bad range/], ['^*', '', /anchor/],
  ];
  for (const [pattern, flags, why] of refused) {
    const result = compileRegex(pattern, flags);
    assert.equal(typeof result, 'string', pattern);
    assert.match(result as string, why, pattern);
  }
});
