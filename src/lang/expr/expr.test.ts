import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cursor } from '../cursor.js';
import { DiagnosticBag } from '../diagnostics.js';
import type { JsonObject } from '../json.js';
import type { Expr } from './ast.js';
import { evaluate } from './interp.js';
import { parseExpression } from './parser.js';
import { tokenize } from './tokens.js';
import { Budget, ExprError, type ExprLimits, DEFAULT_LIMITS } from './values.js';

/** The expression language on its own: precedence, semantics, functions, limits. */
function parse(text: string): { expr: Expr | null; diags: DiagnosticBag; rest: number } {
  const diags = new DiagnosticBag();
  const tokens = tokenize('x', text, diags).filter((t) => t.kind !== 'newline' && t.kind !== 'eof');
  const cur = new Cursor(tokens, { file: 'x', line: 1, col: text.length + 1, endLine: 1, endCol: text.length + 2 }, diags);
  const expr = parseExpression(cur);
  let rest = 0;
  while (cur.next()) rest++;
  return { expr, diags, rest };
}

/** Renders a tree with explicit parentheses, to check precedence. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'literal': return JSON.stringify(e.value);
    case 'var': return `${e.ns ?? ''}${e.ns ? '.' : ''}${e.name}${e.path.map((p) => (p.kind === 'field' ? `.${p.name}` : `[${show(p.index)}]`)).join('')}`;
    case 'unary': return `(${e.op} ${show(e.operand)})`;
    case 'binary': return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'match': return `(${show(e.subject)} ~ /${e.pattern}/${e.flags})`;
    case 'call': return `${e.fn}(${e.args.map((a) => (a.key ? `${show(a.key)}: ` : '') + show(a.value)).join(', ')})`;
    case 'perl': return 'PERL';
    default: return '?';
  }
}

const shape = (text: string): string => {
  const { expr, diags } = parse(text);
  assert.deepEqual(diags.items.map((d) => d.message), [], text);
  return show(expr as Expr);
};

const scope = { a: { n: 3, s: 'abc', list: [1, 2, 3], obj: { k: 'v' } } as JsonObject, v: { x: null, zero: 0 } as JsonObject, e: {} };

function run(text: string, limits: ExprLimits = DEFAULT_LIMITS): unknown {
  const { expr, rest } = parse(text);
  assert.ok(expr, text);
  assert.equal(rest, 0, `unparsed text in ${text}`);
  return evaluate(expr, scope, new Budget(limits));
}

function fails(text: string, pattern: RegExp, cls: 'normal' | 'fatal' = 'normal', limits?: ExprLimits): void {
  assert.throws(() => run(text, limits), (err: unknown) => err instanceof ExprError && pattern.test(err.message) && err.errorClass === cls, text);
}

test('precedence follows LANGUAGE.md, loosest first', () => {
  assert.equal(shape('a or b and c'), '(a or (b and c))');
  assert.equal(shape('not a || b'), '(not (a || b))');
  assert.equal(shape('a || b && c'), '(a || (b && c))');
  assert.equal(shape('a // b == c'), '(a // (b == c))');
  assert.equal(shape('a == b < c'), '(a == (b < c))');
  assert.equal(shape('a < b + c'), '(a < (b + c))');
  assert.equal(shape('a + b * c . d'), '((a + (b * c)) . d)');
  assert.equal(shape('a * b ** c'), '(a * (b ** c))');
  assert.equal(shape('2 ** 3 ** 2'), '(2 ** (3 ** 2))');
  assert.equal(shape('-2 ** 2'), '((- 2) ** 2)');
  assert.equal(shape('!v.s ~ /x/i'), '(! (v.s ~ /x/i))');
  assert.equal(shape('a xor b or c'), '((a xor b) or c)');
  assert.equal(shape('a eq b lt c'), '(a eq (b lt c))');
});

test('paths, quoted names, indexes and the concatenation dot', () => {
  assert.equal(shape("e.'_error'.msg"), 'e._error.msg');
  assert.equal(shape('v.arr[0].x[v.i]'), 'v.arr[0].x[v.i]');
  assert.equal(shape("v.a . 'x'"), "(v.a . \"x\")");
  assert.equal(shape("'a'.'b'"), '("a" . "b")');
  assert.equal(shape('object(name: 1, "k": 2, v.x: 3)'), 'object("name": 1, "k": 2, v.x: 3)');
  assert.equal(shape('counter'), 'counter');
});

test('literals: numbers, strings with escapes, booleans, null', () => {
  assert.equal(run('0x1F + .5 + 1e2'), 131.5);
  assert.equal(run(`"a\\tb\\n" . 'it\\'s'`), "a\tb\nit's");
  assert.deepEqual(run('array(true, FALSE, null, NULL)'), [true, false, null, null]);
});

test('truthiness: false, null, undefined, 0 and "" are false; "0", [] and {} are true', () => {
  assert.deepEqual(run("array(!false, !null, !v.missing, !0, !'', !'0', !array(), !object())"), [true, true, true, true, true, false, false, false]);
});

test('logical operators return an operand and short-circuit', () => {
  assert.equal(run("v.x || 'dflt'"), 'dflt');
  assert.equal(run("v.zero // 'dflt'"), 0);
  assert.equal(run("v.x // 'dflt'"), 'dflt');
  assert.equal(run('0 && 1 / 0'), 0);
  assert.equal(run('1 or 1 / 0'), 1);
  assert.equal(run('1 xor 0'), true);
});

test('arithmetic needs numbers: no silent coercion', () => {
  assert.equal(run('7 % 3 + 2 ** 3 - 10 / 4'), 6.5);
  fails("'1' + 1", /'\+' needs numbers, got string/);
  fails('true * 2', /needs numbers, got boolean/);
  fails('v.x - 1', /got null/);
  fails('1 / 0', /division by zero/);
  fails('10 ** 400', /not a finite number/);
  fails("-'a'", /unary '-' needs a number/);
});

test('comparisons: numeric < > need numbers; eq lt ... compare strings; == is JSON equality', () => {
  assert.equal(run('2 < 10'), true);
  assert.equal(run("'2' lt '10'"), false);
  assert.equal(run('10 eq "10"'), true);
  assert.equal(run('10 == "10"'), false);
  assert.equal(run('array(1, object(a: 2)) == array(1, object(a: 2))'), true);
  assert.equal(run('v.missing == null'), true);
  fails("'a' < 'b'", /needs numbers/);
});

test('concatenation joins strings and numbers only', () => {
  assert.equal(run("'n=' . 1.5"), 'n=1.5');
  fails("'x' . true", /joins strings and numbers, got boolean/);
});

test('regex match', () => {
  assert.equal(run("a.s ~ /^A.C$/i"), true);
  assert.equal(run("a.s ~ /b{2}/"), false);
  fails('a.n ~ /3/', /matches strings, got number/);
});

test('functions', () => {
  assert.deepEqual(run("concat(array(1), array(2, 3))"), [1, 2, 3]);
  assert.equal(run("concat('a', 'b')"), 'ab');
  assert.deepEqual(run('array(defined(v.x), defined(v.zero), defined(v.nope))'), [false, true, false]);
  assert.equal(run('tostring(array(1))'), '[1]');
  assert.equal(run("tonumber(' 42 ') + tonumber(true)"), 43);
  assert.deepEqual(run('keys(a.obj)'), ['k']);
  assert.deepEqual(run('values(a.obj)'), ['v']);
  assert.equal(run('length(a.list) + length(a.s) + length(a.obj)'), 7);
  assert.equal(run('to_json(object(a: array(1)))'), '{"a":[1]}');
  assert.deepEqual(run(`from_json('{"b": [true]}')`), { b: [true] });
  assert.equal(run('a.list[-1] + a.list[0]'), 4);
  fails("tonumber('4x')", /cannot convert/);
  fails("from_json('{')", /from_json/);
  fails('keys(a.list)', /needs an object/);
  fails("concat(array(), 'a')", /all arrays or all strings/);
});

test('reading into a missing value gives undefined; into a scalar is an error', () => {
  assert.equal(run('defined(v.nope.deeper[3])'), false);
  fails('a.n.field', /cannot read .field of number/);
  fails("a.list['x']", /index must be an integer/);
});

test('bounded: a step budget and limits on produced values', () => {
  const small: ExprLimits = { ...DEFAULT_LIMITS, maxSteps: 50, maxStringLength: 10, maxItems: 5, maxDepth: 3 };
  fails('1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1', /step budget/, 'fatal', small);
  fails("'aaaaaa' . 'bbbbbb'", /exceeds the limit/, 'fatal', small);
  fails('array(1, 2, 3, 4, 5, 6)', /more than 5 elements/, 'fatal', small);
  fails('array(array(array(array(1))))', /nested deeper/, 'fatal', small);
  fails("to_json(from_json('[[[[1]]]]'))", /nested deeper/, 'fatal', small);
});

test('the expression language reaches nothing outside its scope', () => {
  assert.equal(run('v.constructor'), undefined);
  assert.equal(run("a.obj['__proto__']"), undefined);
  assert.equal(run("a.obj['toString']"), undefined);
});

test('syntax errors are reported at their place', () => {
  const { diags } = parse('1 + * 2');
  assert.equal(diags.items[0]?.span.col, 5);
  assert.match(diags.items[0]?.message ?? '', /expected a value but found '\*'/);
  assert.match(parse('f(1, 2').diags.items[0]?.message ?? '', /expected ',' or '\)'/);
  assert.match(parse('(((((((((('.repeat(30)).diags.items[0]?.message ?? '', /nested too deeply/);
  const perl = parse('[[ $v{x} ]]');
  assert.equal(perl.diags.items[0]?.code, 'WF_PERL_UNSUPPORTED');
});
