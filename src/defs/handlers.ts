/**
 * Event handlers (docs/alerts.md): on a job, a flow or the project (`ordo.yaml`), a handler names the events
 * it fires on and what it does: run a command on the server, send an e-mail, or call a webhook. Strings may
 * hold `${{ secrets.NAME }}` only (a handler fires outside any run's expressions); secrets are decrypted by
 * the server when it delivers. `smtp:` in ordo.yaml says how e-mail leaves.
 */
import { isMap, isScalar, type Node } from 'yaml';
import { checkSecretRefs } from './resources.js';
import { parseDuration } from './spec.js';
import { entries, scalarValue, type Reader } from './yaml.js';

/** What a handler may fire on; `deadline_miss` when the forecast says a deadline will be missed (and when it is). */
export const HANDLER_EVENTS = ['start', 'success', 'failure', 'abort', 'skip', 'retry', 'deadline_miss', 'expiry'] as const;
export type HandlerEvent = (typeof HANDLER_EVENTS)[number];

export const HANDLER_KEYS = ['on', 'command', 'shell', 'email', 'webhook', 'retries', 'timeout', 'description'] as const;
export const EMAIL_KEYS = ['to', 'subject', 'tailLines'] as const;
export const WEBHOOK_KEYS = ['url', 'secret', 'headers'] as const;
export const SMTP_KEYS = ['host', 'port', 'secure', 'starttls', 'user', 'password', 'from'] as const;

export const DEFAULT_HANDLER_RETRIES = 5;
export const DEFAULT_HANDLER_TIMEOUT_MS = 10_000;
export const DEFAULT_TAIL_LINES = 50;

export type HandlerAction =
  | { kind: 'command'; argv: string[] }
  | { kind: 'shell'; script: string }
  | { kind: 'email'; to: string[]; subject?: string; tailLines: number }
  | { kind: 'webhook'; url: string; secret?: string; headers: Record<string, string> };

export interface HandlerDef {
  on: HandlerEvent[];
  action: HandlerAction;
  /** Further attempts after the first delivery fails (exponential backoff between them). */
  retries: number;
  timeoutMs: number;
  /** Where it was declared: `job`, `flow` or `project` (a flow's list holds its own and the project's). */
  level: 'job' | 'flow' | 'project';
  /** file:line:column of the handler, for messages about it. */
  where: string;
  description?: string;
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); else STARTTLS when `starttls` (required) or when offered. */
  secure: boolean;
  starttls: boolean;
  user?: string;
  /** May be `${{ secrets.NAME }}`. */
  password?: string;
  from: string;
}

/** A `handlers:` list. */
export function readHandlers(reader: Reader, node: Node | null, what: string, level: HandlerDef['level']): HandlerDef[] {
  const list = reader.list(node, `"handlers" of ${what}`);
  const out: HandlerDef[] = [];
  list?.forEach((item, i) => {
    const h = readHandler(reader, item, `handler ${i + 1} of ${what}`, level);
    if (h) out.push(h);
  });
  return out;
}

function readHandler(reader: Reader, node: Node, what: string, level: HandlerDef['level']): HandlerDef | undefined {
  const map = reader.map(node, what);
  if (!map) return undefined;
  const at = reader.at(node);
  const fields = new Map(reader.strictEntries(map, HANDLER_KEYS, what).map((e) => [e.key, e]));
  const onEntry = fields.get('on');
  const on: HandlerEvent[] = [];
  if (!onEntry) reader.diags.error('ORDO_MISSING_KEY', `${what} needs "on": the events it fires on (${HANDLER_EVENTS.join(', ')})`, at);
  else {
    const items = isScalar(onEntry.value) ? [onEntry.value] : reader.list(onEntry.value, `"on" of ${what}`) ?? [];
    for (const n of items) {
      const ev = reader.string(n, `an event in "on" of ${what}`);
      if (ev === undefined) continue;
      if ((HANDLER_EVENTS as readonly string[]).includes(ev)) on.push(ev as HandlerEvent);
      else reader.diags.error('ORDO_BAD_VALUE', `"on" of ${what}: unknown event "${ev}" (events: ${HANDLER_EVENTS.join(', ')})`, reader.at(n));
    }
  }
  const actions = (['command', 'shell', 'email', 'webhook'] as const).filter((k) => fields.has(k));
  if (actions.length !== 1) {
    const msg = actions.length === 0 ? 'needs one of "command", "shell", "email" or "webhook"' : `has ${actions.map((a) => `"${a}"`).join(' and ')}: give one`;
    reader.diags.error(actions.length === 0 ? 'ORDO_MISSING_KEY' : 'ORDO_BAD_VALUE', `${what} ${msg}`, at);
    return undefined;
  }
  const key = actions[0]!;
  const value = fields.get(key)!.value;
  const action = key === 'command' ? readArgv(reader, value, what) : key === 'shell' ? readShell(reader, value, what)
    : key === 'email' ? readEmail(reader, value, what) : readWebhook(reader, value, what);
  const retriesEntry = fields.get('retries');
  const retries = retriesEntry ? reader.integer(retriesEntry.value, `"retries" of ${what}`, 0) : DEFAULT_HANDLER_RETRIES;
  const timeoutEntry = fields.get('timeout');
  let timeoutMs = DEFAULT_HANDLER_TIMEOUT_MS;
  if (timeoutEntry) {
    const ms = parseDuration(scalarValue(timeoutEntry.value));
    if (ms === undefined || ms <= 0) reader.bad(timeoutEntry.value, `"timeout" of ${what}`, 'a positive duration such as "10s"');
    else timeoutMs = ms;
  }
  const descEntry = fields.get('description');
  const description = descEntry ? reader.string(descEntry.value, `"description" of ${what}`) : undefined;
  if (!action || on.length === 0 || retries === undefined) return undefined;
  return { on, action, retries, timeoutMs, level, where: `${at.file}:${at.line}:${at.column}`, ...(description !== undefined && { description }) };
}

function secretText(reader: Reader, node: Node | null, label: string): string | undefined {
  const v = reader.text(node, label);
  checkSecretRefs(reader, node, v, label);
  return v;
}

function readArgv(reader: Reader, node: Node | null, what: string): HandlerAction | undefined {
  const list = reader.list(node, `"command" of ${what}`);
  if (!list) return undefined;
  if (list.length === 0) {
    reader.diags.error('ORDO_BAD_VALUE', `"command" of ${what} is empty: give the program and its arguments`, reader.at(node));
    return undefined;
  }
  const argv = list.map((n, i) => secretText(reader, n, `argument ${i} of ${what}`));
  return argv.every((a) => a !== undefined) ? { kind: 'command', argv: argv as string[] } : undefined;
}

function readShell(reader: Reader, node: Node | null, what: string): HandlerAction | undefined {
  const script = secretText(reader, node, `"shell" of ${what}`);
  return script === undefined ? undefined : { kind: 'shell', script };
}

function readEmail(reader: Reader, node: Node | null, what: string): HandlerAction | undefined {
  const map = reader.map(node, `"email" of ${what}`);
  if (!map) return undefined;
  const action: { kind: 'email'; to: string[]; subject?: string; tailLines: number } = { kind: 'email', to: [], tailLines: DEFAULT_TAIL_LINES };
  for (const e of reader.strictEntries(map, EMAIL_KEYS, `"email" of ${what}`)) {
    if (e.key === 'to') {
      const items = isScalar(e.value) ? [e.value] : reader.list(e.value, `"email.to" of ${what}`) ?? [];
      for (const n of items) {
        const addr = reader.string(n, `an address in "email.to" of ${what}`);
        if (addr !== undefined && !/^[^\s@]+@[^\s@]+$/.test(addr)) reader.bad(n, `an address in "email.to" of ${what}`, 'an e-mail address');
        else if (addr !== undefined) action.to.push(addr);
      }
    } else if (e.key === 'subject') action.subject = reader.string(e.value, `"email.subject" of ${what}`);
    else action.tailLines = reader.integer(e.value, `"email.tailLines" of ${what}`, 0) ?? DEFAULT_TAIL_LINES;
  }
  if (action.to.length === 0) {
    reader.diags.error('ORDO_MISSING_KEY', `"email" of ${what} needs "to": one address or a list`, reader.at(node));
    return undefined;
  }
  return action;
}

function readWebhook(reader: Reader, node: Node | null, what: string): HandlerAction | undefined {
  const map = reader.map(node, `"webhook" of ${what}`);
  if (!map) return undefined;
  let url: string | undefined;
  let secret: string | undefined;
  const headers: Record<string, string> = {};
  for (const e of reader.strictEntries(map, WEBHOOK_KEYS, `"webhook" of ${what}`)) {
    if (e.key === 'url') {
      url = secretText(reader, e.value, `"webhook.url" of ${what}`);
      if (url !== undefined && !/^https?:\/\/\S+$/.test(url.replace(/\$\{\{[^}]*\}\}/g, 'x'))) {
        reader.bad(e.value, `"webhook.url" of ${what}`, 'an http:// or https:// URL');
        url = undefined;
      }
    } else if (e.key === 'secret') secret = secretText(reader, e.value, `"webhook.secret" of ${what}`);
    else {
      const h = reader.map(e.value, `"webhook.headers" of ${what}`);
      for (const x of h ? entries(h) : []) {
        const v = secretText(reader, x.value, `header "${x.key}" of ${what}`);
        if (v !== undefined) headers[x.key] = v;
      }
    }
  }
  if (url === undefined) {
    if (!map.has('url')) reader.diags.error('ORDO_MISSING_KEY', `"webhook" of ${what} needs "url"`, reader.at(node));
    return undefined;
  }
  return { kind: 'webhook', url, headers, ...(secret !== undefined && { secret }) };
}

/** `smtp:` of ordo.yaml. */
export function readSmtp(reader: Reader, node: Node | null): SmtpSettings | undefined {
  const map = reader.map(node, '"smtp"');
  if (!map || !isMap(map)) return undefined;
  const s: Partial<SmtpSettings> = { port: 25, secure: false, starttls: false };
  for (const e of reader.strictEntries(map, SMTP_KEYS, '"smtp"')) {
    const label = `"smtp.${e.key}"`;
    if (e.key === 'host' || e.key === 'from' || e.key === 'user') s[e.key] = reader.string(e.value, label);
    else if (e.key === 'port') s.port = reader.integer(e.value, label, 1);
    else if (e.key === 'secure' || e.key === 'starttls') s[e.key] = reader.boolean(e.value, label);
    else s.password = secretText(reader, e.value, label);
  }
  if (!s.host || !s.from) {
    reader.diags.error('ORDO_MISSING_KEY', `"smtp" needs "host" and "from"`, reader.at(node));
    return undefined;
  }
  return { host: s.host, port: s.port ?? 25, secure: s.secure ?? false, starttls: s.starttls ?? false, from: s.from,
    ...(s.user !== undefined && { user: s.user }), ...(s.password !== undefined && { password: s.password }) };
}
