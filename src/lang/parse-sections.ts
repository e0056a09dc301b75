import type { LockDecl, Name, ParamDecl, Setting } from './ast.js';
import type { Cursor } from './cursor.js';
import type { DiagnosticBag } from './diagnostics.js';
import { parseExpression } from './expr/parser.js';
import type { LineNode } from './lexer.js';
import { parseMap } from './parse-maps.js';
import { lineCursor, noChildren, parseName } from './parse-util.js';
import { spanFrom } from './span.js';

/**
 * The declarative sections: `in:`/`out:` (one parameter a line: `name type [default | optional]`),
 * `env:`/`config:` (`name = constant`), `role:` (names), `locks:` (`type value|_ [manual] [inherit]`).
 */
export function parseParams(children: readonly LineNode[], section: 'in' | 'out', diags: DiagnosticBag): ParamDecl[] {
  const out: ParamDecl[] = [];
  for (const child of children) {
    noChildren(child, 'a parameter', diags);
    const cur = lineCursor(child, diags);
    if (cur.peek()?.kind === 'perl') continue;
    const param = parseParam(cur, section);
    if (param) out.push(param);
  }
  return out;
}

function parseParam(cur: Cursor, section: 'in' | 'out'): ParamDecl | null {
  const name = parseName(cur, 'a parameter name');
  if (!name) return null;
  const type = parseName(cur, 'a type (null, boolean, number, integer, string, array, object or a schema name)');
  if (!type) return null;
  let optional = false;
  let dflt = null;
  if (cur.eatName('optional')) {
    optional = true;
  } else if (!cur.atEnd() && !cur.isOp(';')) {
    if (section === 'out') return cur.fail("an output takes no default; expected 'optional' or the end of the line");
    dflt = parseExpression(cur);
    if (!dflt) return null;
  }
  if (!cur.expectEnd('the parameter')) return null;
  const last = dflt?.span ?? type.span;
  return { name: name.name, type: type.name, typeSpan: type.span, default: dflt, optional, span: spanFrom(name.span, last) };
}

/** `env:` and `config:` hold `name = value` lines; the values are checked to be constant later. */
export function parseSettings(inline: Cursor | null, children: readonly LineNode[], diags: DiagnosticBag): Setting[] {
  const out: Setting[] = [];
  for (const item of parseMap(inline, children, diags)) {
    if (item.kind !== 'assign' || item.op !== '=' || item.target.ns !== null || item.target.path.length > 0) {
      diags.report('WF_SYNTAX', item.span, "expected 'name = value' here");
      continue;
    }
    out.push({ name: item.target.name, value: item.value, span: item.span });
  }
  return out;
}

export function parseRoles(inline: Cursor | null, children: readonly LineNode[], diags: DiagnosticBag): Name[] {
  const out: Name[] = [];
  const take = (cur: Cursor): void => {
    while (!cur.atEnd()) {
      const name = parseName(cur, 'a role name');
      if (!name) return;
      out.push(name);
      if (!cur.eatOp(',') && !cur.expectEnd('the role name')) return;
    }
  };
  if (inline) take(inline);
  for (const child of children) {
    noChildren(child, 'a role', diags);
    take(lineCursor(child, diags));
  }
  return out;
}

export function parseLocks(children: readonly LineNode[], diags: DiagnosticBag): LockDecl[] {
  const out: LockDecl[] = [];
  for (const child of children) {
    noChildren(child, 'a lock', diags);
    const cur = lineCursor(child, diags);
    const lockType = parseName(cur, 'a lock type');
    if (!lockType) continue;
    const tok = cur.peek();
    let value: string | null;
    if (tok?.kind === 'name' && tok.text === '_') {
      value = null;
      cur.next();
    } else if (tok?.kind === 'number') {
      value = String(tok.value);
      cur.next();
    } else {
      const name = parseName(cur, "a lock value or '_'");
      if (!name) continue;
      value = name.name;
    }
    let manual = false;
    let inherit = false;
    while (cur.isName('manual') || cur.isName('inherit')) {
      if ((cur.next() as { text: string }).text === 'manual') manual = true;
      else inherit = true;
    }
    if (!cur.expectEnd("the lock (flags are 'manual' and 'inherit')")) continue;
    out.push({ lockType: lockType.name, value, manual, inherit, span: child.line.span });
  }
  return out;
}
