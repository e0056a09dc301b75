import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Stmt } from './ast.js';
import { DiagnosticBag } from './diagnostics.js';
import { parseFile } from './parser.js';

/** The statement grammar: layout, sections, names, maps and spans. */
function parse(text: string): { decls: ReturnType<typeof parseFile>['decls']; diags: DiagnosticBag } {
  const diags = new DiagnosticBag();
  diags.addSource('t.wf', text);
  return { decls: parseFile('t.wf', text, diags).decls, diags };
}

test('sections indented under the header or level with it (JobCenter style); tabs count 8', () => {
  const nested = parse('workflow a:\n\tin:\n\t\tx number 3\n\tdo:\n\t\treturn\n');
  const level = parse('workflow a:\nin:\n        x number 3\ndo:\n\treturn\n');
  for (const { decls, diags } of [nested, level]) {
    assert.deepEqual(diags.items, []);
    assert.equal(decls[0]?.in[0]?.name, 'x');
    assert.equal(decls[0]?.body?.[0]?.kind, 'return');
  }
});

test('names may be dotted or quoted; comments may follow code; # inside a string is text', () => {
  const { decls, diags } = parse(`workflow "prov.x":\n  do:\n    call prov.get_ip_list: # a comment\n      usage = 'a # b'\n    call 'other.one':\n`);
  assert.deepEqual(diags.items, []);
  assert.equal(decls[0]?.name, 'prov.x');
  const [first, second] = decls[0]?.body ?? [];
  assert.ok(first?.kind === 'call' && second?.kind === 'call');
  assert.equal(first.callee.name, 'prov.get_ip_list');
  assert.equal(second.callee.name, 'other.one');
  const item = first.input[0];
  assert.ok(item?.kind === 'assign' && item.value.kind === 'literal');
  assert.equal(item.value.value, 'a # b');
});

test('maps: one item a line, inline after the colon, shorthands, every assignment operator', () => {
  const { decls, diags } = parse([
    'workflow m:', '  do:', "    subscribe: name = 'n', mask = object(a: 1, b: array(1, 2))", '    eval:',
    '      a = 1', '      a += 1', '      a -= 1', '      a *= 1', '      a /= 1', "      b .= 'x'", '      c ,= 1',
    '      d //= 2', '      d ||= 3', '      v.e.f[0] = 4', '    call x:', '      <a, b>', '      <*>', '    into:', '      <z>', '',
  ].join('\n'));
  assert.deepEqual(diags.items, []);
  const [sub, ev, call] = decls[0]?.body ?? [];
  assert.ok(sub?.kind === 'event' && ev?.kind === 'eval' && call?.kind === 'call');
  assert.equal(sub.settings.length, 2);
  assert.deepEqual(ev.items.map((i) => (i.kind === 'assign' ? i.op : '')), ['=', '+=', '-=', '*=', '/=', '.=', ',=', '//=', '||=', '=']);
  assert.deepEqual(call.input.map((i) => (i.kind !== 'copy' ? '' : i.names === '*' ? '*' : i.names.map((n) => n.name))), [['a', 'b'], '*']);
  assert.equal(call.into?.length, 1);
});

test('every node has a span; statements point at their first token', () => {
  const { decls } = parse('workflow s:\n  do:\n    if v.a > 1:\n      goto x\n    label x\n');
  const [ifs, label] = decls[0]?.body ?? [];
  assert.ok(ifs?.kind === 'if' && label?.kind === 'label');
  assert.deepEqual([ifs.span.line, ifs.span.col], [3, 5]);
  const cond = ifs.branches[0]?.cond;
  assert.ok(cond?.kind === 'binary');
  assert.deepEqual([cond.span.col, cond.span.endCol, cond.left.span.col, cond.right.span.col], [8, 15, 8, 14]);
  const goto = ifs.branches[0]?.body[0] as Extract<Stmt, { kind: 'goto' }>;
  assert.deepEqual([goto.label.span.line, goto.label.span.col], [4, 12]);
});

test('compound statements take their continuation lines', () => {
  const { decls, diags } = parse([
    'workflow c:', '  do:', '    try:', '      return', '    catch:', '      return', '    repeat:', '      return', '    until v.x',
    '    map w using v.list:', '      x = e._v', '    collect:', '      <y>', '    wait_for_event: events = array(\'e\')', '    into:', '      <event>',
    '    assert v.x: \'message\'', '    split:', '      callflow a:', '      into:', '        <r>', '      callflow b:', '',
  ].join('\n'));
  assert.deepEqual(diags.items.map((d) => d.message), []);
  assert.deepEqual(decls[0]?.body?.map((s) => s.kind), ['try', 'repeat', 'map', 'event', 'assert', 'split']);
  const split = decls[0]?.body?.[5];
  assert.ok(split?.kind === 'split');
  assert.deepEqual(split.flows.map((f) => [f.callee.name, f.into?.length ?? null]), [['a', 1], ['b', null]]);
});

test('actions have in/out/env/role/config and no do:', () => {
  const { decls, diags } = parse("action a.b:\n  in:\n    n number optional\n  role: ops, admins\n  config:\n    command = 'node x.js'\n  do:\n    return\n");
  assert.equal(decls[0]?.kind, 'action');
  assert.equal(decls[0]?.in[0]?.optional, true);
  assert.deepEqual(decls[0]?.roles.map((r) => r.name), ['ops', 'admins']);
  assert.deepEqual(diags.items.map((d) => d.code), ['WF_UNKNOWN_SECTION']);
});

test('one mistake per line is reported and the following lines are still parsed', () => {
  const { diags } = parse('workflow e:\n  do:\n    eval:\n      x = = 1\n      y = )\n    call :\n    frob\n    goto\n');
  assert.deepEqual(diags.items.map((d) => d.span.line), [4, 5, 6, 7, 8]);
});
