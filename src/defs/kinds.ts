/**
 * The job kinds that need no script of their own (docs/job-kinds.md): `http` (a request, the parsed JSON
 * answer as the result), `sql` (a statement against a connector's database, bound parameters, rows as the
 * result) and `copy` (a file copied, its checksum verified). Their strings may hold `${{ }}` expressions like
 * any job string, except a SQL statement: values reach SQL only as bound parameters.
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { JobKind } from './model.js';
import { describe, entries, type Entry, type Reader } from './yaml.js';

type Text = (node: Node | null, reader: Reader, label: string) => string | undefined;
interface Attr { entry: Entry; reader: Reader }

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export interface HttpSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Text sent as is, or a JSON document (sent as application/json); strings inside may hold expressions. */
  body?: string | { json: unknown };
  /** Statuses that mean success; absent: any 2xx. */
  expect?: number[];
}

export interface SqlSpec {
  connector: string;
  statement: string;
  /** Bound in order as $1, $2 ... (PostgreSQL) or ? (SQLite); may hold expressions. */
  params: string[];
  /** Rows kept in the result (default 20). */
  maxRows: number;
}

export interface CopySpec {
  from: string;
  to: string;
  /** Verify the copy by SHA-256 (default true). */
  checksum: boolean;
}

export const KIND_KEYS = { http: ['method', 'url', 'headers', 'body', 'json', 'expect'], sql: ['connector', 'statement', 'params', 'maxRows'], copy: ['from', 'to', 'checksum'] } as const;
export type SpecKind = keyof typeof KIND_KEYS;
export const SPEC_KINDS = Object.keys(KIND_KEYS) as SpecKind[];

export function isSpecKind(kind: JobKind): kind is SpecKind {
  return (SPEC_KINDS as readonly string[]).includes(kind);
}

/** Reads the `http:`, `sql:` or `copy:` block of a job of that kind; a block on a job of another kind is an error. */
export function compileKindSpec(kind: JobKind, what: string, attrs: Record<SpecKind, Attr | undefined>, self: { reader: Reader; at: import('./model.js').SourceLocation }, text: Text):
  { http?: HttpSpec; sql?: SqlSpec; copy?: CopySpec } {
  for (const k of SPEC_KINDS) {
    const a = attrs[k];
    if (a && k !== kind) a.reader.diags.error('ORDO_BAD_VALUE', `"${k}" is only for jobs of kind ${k} (${what} is of kind ${kind})`, a.reader.at(a.entry.keyNode));
  }
  if (!isSpecKind(kind)) return {};
  const attr = attrs[kind];
  if (!attr) {
    self.reader.diags.error('ORDO_MISSING_KEY', `${what} is of kind ${kind} and needs "${kind}": ${kind === 'http' ? '{ url, method, ... }' : kind === 'sql' ? '{ connector, statement }' : '{ from, to }'}`, self.at);
    return {};
  }
  const { reader } = attr;
  const label = `"${kind}" of ${what}`;
  const map = reader.map(attr.entry.value, label);
  if (!map) return {};
  const fields = new Map(reader.strictEntries(map, KIND_KEYS[kind], label).map((f) => [f.key, f]));
  const need = (key: string): Node | null | undefined => {
    const f = fields.get(key);
    if (!f) reader.diags.error('ORDO_MISSING_KEY', `${label} needs "${key}"`, reader.at(attr.entry.value));
    return f?.value;
  };
  const str = (key: string, node: Node | null) => text(node, reader, `"${kind}.${key}" of ${what}`);
  if (kind === 'http') {
    const urlNode = need('url');
    const url = urlNode === undefined ? undefined : str('url', urlNode);
    if (url !== undefined && !url.includes('${{') && !/^https?:\/\/[^\s/]+/.test(url)) {
      reader.diags.error('ORDO_BAD_VALUE', `"http.url" of ${what} must be an http:// or https:// URL, got "${url}"`, reader.at(urlNode ?? null));
    }
    const methodNode = fields.get('method')?.value;
    const method = methodNode ? reader.string(methodNode, `"http.method" of ${what}`)?.toUpperCase() : 'GET';
    if (method !== undefined && !(HTTP_METHODS as readonly string[]).includes(method)) {
      reader.diags.error('ORDO_BAD_VALUE', `"http.method" of ${what} must be one of ${HTTP_METHODS.join(', ')}, got "${method}"`, reader.at(methodNode ?? null));
    }
    const headers: Record<string, string> = {};
    const h = fields.get('headers');
    const hmap = h ? reader.map(h.value, `"http.headers" of ${what}`) : undefined;
    for (const e of hmap ? entries(hmap) : []) {
      const v = str(`headers.${e.key}`, e.value);
      if (v !== undefined) headers[e.key] = v;
    }
    if (fields.has('body') && fields.has('json')) reader.diags.error('ORDO_BAD_VALUE', `"http" of ${what} has both "body" and "json": give one`, reader.at(fields.get('json')!.keyNode));
    const bodyText = fields.get('body') ? str('body', fields.get('body')!.value) : undefined;
    const json = fields.get('json') ? jsonOf(fields.get('json')!.value, (n, l) => str(`json${l}`, n), '') : undefined;
    let expect: number[] | undefined;
    const ex = fields.get('expect');
    if (ex) {
      const list = isSeq(ex.value) ? (ex.value.items as Node[]) : [ex.value];
      expect = list.flatMap((n) => {
        const code = reader.integer(n, `a status in "http.expect" of ${what}`, 100);
        if (code !== undefined && code > 599) reader.diags.error('ORDO_BAD_VALUE', `"http.expect" of ${what}: ${code} is not an HTTP status`, reader.at(n));
        return code === undefined ? [] : [code];
      });
    }
    if (url === undefined || method === undefined) return {};
    return { http: { method, url, headers, ...(bodyText !== undefined && { body: bodyText }), ...(json !== undefined && { body: { json } }), ...(expect && { expect }) } };
  }
  if (kind === 'sql') {
    const cNode = need('connector');
    const connector = cNode === undefined ? undefined : reader.string(cNode, `"sql.connector" of ${what}`);
    const sNode = need('statement');
    const statement = sNode === undefined ? undefined : reader.string(sNode, `"sql.statement" of ${what}`);
    if (statement?.includes('${{')) {
      reader.diags.error('ORDO_BAD_EXPRESSION', `"sql.statement" of ${what} may not hold \${{ }}: pass values as "params" (bound as $1, $2, ...), never as SQL text`, reader.at(sNode ?? null));
    }
    const params: string[] = [];
    const p = fields.get('params');
    const plist = p ? reader.list(p.value, `"sql.params" of ${what}`) : undefined;
    for (const [i, n] of (plist ?? []).entries()) {
      const v = isScalar(n) && typeof n.value !== 'string' ? String(n.value) : str(`params[${i}]`, n);
      if (v !== undefined) params.push(v);
    }
    const mr = fields.get('maxRows');
    const maxRows = mr ? reader.integer(mr.value, `"sql.maxRows" of ${what}`, 0) ?? 20 : 20;
    if (connector === undefined || statement === undefined) return {};
    return { sql: { connector, statement, params, maxRows } };
  }
  const fromNode = need('from');
  const toNode = need('to');
  const from = fromNode === undefined ? undefined : str('from', fromNode);
  const to = toNode === undefined ? undefined : str('to', toNode);
  const ck = fields.get('checksum');
  const checksum = ck ? reader.boolean(ck.value, `"copy.checksum" of ${what}`) ?? true : true;
  if (from === undefined || to === undefined) return {};
  return { copy: { from, to, checksum } };
}

/** A YAML value as JSON; strings go through `str` (expressions checked), with their path for messages. */
function jsonOf(node: Node | null, str: (n: Node | null, label: string) => string | undefined, path: string): unknown {
  if (isMap(node)) return Object.fromEntries(entries(node).map((e) => [e.key, jsonOf(e.value, str, `${path}.${e.key}`)]));
  if (isSeq(node)) return (node.items as Node[]).map((n, i) => jsonOf(n, str, `${path}[${i}]`));
  if (isScalar(node)) return typeof node.value === 'string' ? str(node, path) : node.value;
  return node === null ? null : describe(node);
}
