import type { Decl, SectionName, SourceFile } from './ast.js';
import type { DiagnosticBag } from './diagnostics.js';
import { lexFile, type LineNode } from './lexer.js';
import { parseMap } from './parse-maps.js';
import { parseLocks, parseParams, parseRoles, parseSettings } from './parse-sections.js';
import { parseBlock } from './parse-statements.js';
import { expectColon, lineCursor, parseName } from './parse-util.js';

/**
 * File level: `workflow NAME:` or `action NAME:` followed by its sections, either indented under the
 * header (as in seed 001) or level with it (as in JobCenter's own test files). Sections may come in any
 * order, at most once each.
 */
const WORKFLOW_SECTIONS: readonly SectionName[] = ['in', 'out', 'env', 'role', 'config', 'locks', 'wfomap', 'do'];
const ACTION_SECTIONS: readonly SectionName[] = ['in', 'out', 'env', 'role', 'config'];
const ALIASES: Record<string, SectionName> = { wfenv: 'env' };

export function parseFile(path: string, text: string, diags: DiagnosticBag): SourceFile {
  const roots = lexFile(path, text, diags);
  const decls: Decl[] = [];
  let current: { decl: Decl; seen: Set<SectionName> } | null = null;
  for (const root of roots) {
    const cur = lineCursor(root, diags);
    const word = cur.peek()?.kind === 'name' ? cur.peek()?.text : undefined;
    if (word === 'workflow' || word === 'action' || word === 'procedure') {
      cur.next();
      const name = parseName(cur, `the ${word === 'workflow' ? 'workflow' : 'action'} name`);
      if (!name) continue;
      expectColon(cur, `${word} NAME`, false);
      const decl: Decl = {
        kind: word === 'workflow' ? 'workflow' : 'action', name: name.name, nameSpan: name.span, span: root.line.span,
        endLine: lastLine(root), in: [], out: [], env: [], roles: [], config: [], locks: [], wfomap: [], body: null,
      };
      current = { decl, seen: new Set() };
      decls.push(decl);
      for (const child of root.children) section(child, current, diags);
      continue;
    }
    if (current && isSectionHeader(root)) {
      section(root, current, diags);
      current.decl.endLine = Math.max(current.decl.endLine, lastLine(root));
      continue;
    }
    if (cur.peek()?.kind !== 'perl') diags.report('WF_SYNTAX', root.line.span, "expected 'workflow NAME:' or 'action NAME:'");
  }
  for (const decl of decls) {
    if (decl.kind === 'workflow' && decl.body === null) {
      diags.report('WF_MISSING_SECTION', decl.nameSpan, `workflow ${decl.name} has no do: section`);
    }
  }
  return { path, decls };
}

function lastLine(node: LineNode): number {
  const last = node.children[node.children.length - 1];
  return last ? lastLine(last) : node.line.span.endLine;
}

function isSectionHeader(node: LineNode): boolean {
  const [first, second] = node.line.tokens;
  return first?.kind === 'name' && second?.kind === 'op' && second.text === ':'
    && ((WORKFLOW_SECTIONS as readonly string[]).includes(first.text) || Object.hasOwn(ALIASES, first.text));
}

function section(node: LineNode, current: { decl: Decl; seen: Set<SectionName> }, diags: DiagnosticBag): void {
  const { decl, seen } = current;
  const cur = lineCursor(node, diags);
  const tok = cur.peek();
  if (tok?.kind === 'perl') return;
  const raw = tok?.kind === 'name' ? tok.text : '';
  const name = (ALIASES[raw] ?? raw) as SectionName;
  const allowed = decl.kind === 'workflow' ? WORKFLOW_SECTIONS : ACTION_SECTIONS;
  if (!allowed.includes(name) || !cur.isOp(':', 1)) {
    const list = allowed.map((s) => `${s}:`).join(' ');
    diags.report('WF_UNKNOWN_SECTION', node.line.span, tok?.kind === 'name' && cur.isOp(':', 1)
      ? `${decl.kind}s have no section '${raw}:' (sections: ${list})`
      : `expected a section header (${list})`);
    return;
  }
  cur.next();
  if (seen.has(name)) {
    diags.report('WF_DUPLICATE_SECTION', node.line.span, `section '${name}:' appears twice in ${decl.kind} ${decl.name}`);
    return;
  }
  seen.add(name);
  const inline = ['env', 'role', 'config', 'wfomap'].includes(name);
  if (!expectColon(cur, name, inline)) return;
  switch (name) {
    case 'in': decl.in = parseParams(node.children, 'in', diags); break;
    case 'out': decl.out = parseParams(node.children, 'out', diags); break;
    case 'env': decl.env = parseSettings(cur, node.children, diags); break;
    case 'config': decl.config = parseSettings(cur, node.children, diags); break;
    case 'role': decl.roles = parseRoles(cur, node.children, diags); break;
    case 'locks': decl.locks = parseLocks(node.children, diags); break;
    case 'wfomap': decl.wfomap = parseMap(cur, node.children, diags); break;
    case 'do':
      if (node.children.length === 0) diags.report('WF_SYNTAX', node.line.endSpan, "expected an indented block after 'do:'");
      decl.body = parseBlock(node.children, diags);
      break;
    default: {
      const never: never = name;
      throw new Error(`unhandled section ${String(never)}`);
    }
  }
}
