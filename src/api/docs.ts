/**
 * The generated parts of docs/api.md: the method table, the notification table and the error table, from
 * the contract and the error catalogue. `node dist/src/api/docs.js --write` rewrites them between their
 * markers; a test fails when the document and the contract differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ERROR_CODES, wireOf, type ErrorCode } from '../errors.js';
import { repoPath } from '../paths.js';
import { CONTRACT, NOTIFICATIONS, type MethodSpec } from './contract/index.js';

const cell = (text: string) => text.replace(/\|/g, '\\|');

function paramList(spec: MethodSpec): string {
  const props = Object.keys((spec.params.properties ?? {}) as object);
  const required = new Set((spec.params.required ?? []) as string[]);
  return props.map((p) => (required.has(p) ? `\`${p}\`` : `\`${p}?\``)).join(', ') || '-';
}

export function methodsTable(): string {
  const rows = (Object.entries(CONTRACT) as Array<[string, MethodSpec]>).map(([name, spec]) =>
    `| \`${name}\` | ${paramList(spec)} | ${spec.permission} | ${spec.rest ? `\`${spec.rest.verb} ${spec.rest.path}\`` : spec.streaming ? 'WebSocket only' : '-'} | ${cell(spec.summary)} |`);
  return ['| method | params | permission | REST | what it does |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function notificationsTable(): string {
  const rows = Object.entries(NOTIFICATIONS).map(([name, spec]) =>
    `| \`${name}\` | ${Object.keys(spec.params.properties as object).map((p) => `\`${p}\``).join(', ')} | ${cell(spec.summary)} |`);
  return ['| notification | params | when |', '|---|---|---|', ...rows].join('\n');
}

export function errorsTable(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => {
    const { http, rpc } = wireOf(code);
    return `| \`${code}\` | ${http} | ${rpc} | ${cell(ERROR_CODES[code].message)} |`;
  });
  return ['| code | HTTP | JSON-RPC | meaning |', '|---|---|---|---|', ...rows, '| `ORDO_INTERNAL` | 500 | -32603 | an unexpected error; `data.ref` finds it in the server log |'].join('\n');
}

const SECTIONS: Record<string, () => string> = { methods: methodsTable, notifications: notificationsTable, errors: errorsTable };

/** The document with every generated section replaced by what the contract says now. */
export function renderApiDoc(doc: string): string {
  let out = doc;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const begin = `<!-- generated:${name} -->`;
    const end = `<!-- end:${name} -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`docs/api.md has no ${begin} ... ${end} section`);
    out = `${out.slice(0, i + begin.length)}\n${render()}\n${out.slice(j)}`;
  }
  return out;
}

export const API_DOC = repoPath('docs', 'api.md');

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const doc = readFileSync(API_DOC, 'utf8');
  const next = renderApiDoc(doc);
  if (process.argv.includes('--write')) writeFileSync(API_DOC, next);
  else if (next !== doc) {
    process.stderr.write('docs/api.md is out of date: run node dist/src/api/docs.js --write\n');
    process.exitCode = 1;
  }
}
