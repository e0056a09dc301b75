/**
 * Where and how `ordo server` writes its logs: pino's JSON lines on stderr for machines (files, journald,
 * log shippers), or, on a terminal, one readable line per entry: time, level, message, then key=value pairs,
 * and an error's stack below it. `--log-format json|pretty` (or ORDO_LOG_FORMAT) chooses; by default it is
 * pretty when stderr is a terminal.
 */
import { writeSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { OrdoError } from '../errors.js';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function logFormatOf(text: string | undefined, terminal: boolean): LogFormat {
  if (text === undefined || text === '') return terminal ? 'pretty' : 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(text)) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${text}"`);
  }
  return text as LogFormat;
}

const LEVELS: Record<number, [string, number]> = {
  10: ['TRACE', 90], 20: ['DEBUG', 90], 30: ['INFO', 32], 40: ['WARN', 33], 50: ['ERROR', 31], 60: ['FATAL', 35],
};
/** Fields every entry has, shown in the line's head or not at all. */
const HEAD = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

const two = (n: number, width = 2) => String(n).padStart(width, '0');

function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return JSON.stringify(v);
}

/** One pino JSON line as a line for a person (a line that is not JSON passes through). */
export function prettyLine(line: string, color = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const t = new Date(typeof entry.time === 'number' ? entry.time : Date.now());
  const time = `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}.${two(t.getMilliseconds(), 3)}`;
  const [name, code] = LEVELS[entry.level as number] ?? [String(entry.level), 0];
  const level = color && code ? `\x1b[${code}m${name.padEnd(5)}\x1b[0m` : name.padEnd(5);
  const pairs: string[] = [];
  let stack = '';
  for (const [k, v] of Object.entries(entry)) {
    if (HEAD.has(k)) continue;
    if ((k === 'err' || k === 'error') && v && typeof v === 'object') {
      const e = v as { message?: unknown; stack?: unknown };
      pairs.push(`${k}=${valueText(e.message ?? v)}`);
      if (typeof e.stack === 'string') stack = e.stack.split('\n').slice(1).map((l) => `    ${l.trim()}\n`).join('');
      continue;
    }
    pairs.push(`${k}=${valueText(v)}`);
  }
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  return `${time} ${level} ${[msg, ...pairs].filter((s) => s !== '').join(' ')}\n${stack}`;
}

/** The server's logger: to stderr, synchronously (a crash loses no line), in the chosen format. */
export function serverLogger(level: string, format: LogFormat, color = !!process.stderr.isTTY): Logger {
  const options = { level, base: { pid: process.pid } };
  if (format === 'json') return pino(options, pino.destination({ fd: 2, sync: true }));
  return pino(options, { write: (line: string) => void writeSync(2, prettyLine(line, color)) });
}
