/**
 * What every command needs: the project (loaded and validated), the store the environment selects,
 * and one way to fail: `ordo: CODE message` on stderr and the code's exit status.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatDiagnostic } from '../defs/diagnostics.js';
import { loadProject, notAProject } from '../defs/load.js';
import { isProjectDir } from '../defs/project-root.js';
import { defaultSettings, type FlowDef, type Project, type ProjectSettings } from '../defs/model.js';
import { isStackOverflow } from '../depth.js';
import { ERROR_CODES, OrdoError } from '../errors.js';
import { suggest } from '../suggest.js';
import { openStore, sqliteFileOf, stateDirFor } from '../store/open.js';
import type { OrdoStore } from '../store/ordo-store.js';

export interface DirOption {
  dir?: string;
}

export function projectDir(opts: DirOption): string {
  return resolve(opts.dir ?? process.env.ORDO_PROJECT ?? process.cwd());
}

export async function loadValidProject(dir: string): Promise<Project> {
  requireProject(dir);
  const { project, diagnostics } = await loadProject(dir);
  for (const d of diagnostics) if (d.severity === 'warning') process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!project) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    process.stderr.write(`${errors.map(formatDiagnostic).join('\n')}\n`);
    throw new OrdoError('ORDO_INVALID_PROJECT', `${errors.length} problem(s) in the project's definitions`);
  }
  return project;
}

/**
 * The project's settings where a command does not need the definitions themselves (resume, restart): a
 * stored run carries its flow version, but connectors, gates and limits come from the project. A project
 * with errors is reported as a warning and the defaults apply.
 */
export async function settingsOrDefaults(dir: string): Promise<ProjectSettings> {
  if (!storedSomewhere(dir)) requireProject(dir);
  const { project, diagnostics } = await loadProject(dir);
  if (project) return project.settings;
  if (diagnostics.some((d) => d.code !== 'ORDO_NO_PROJECT')) {
    process.stderr.write("ordo: warning: the project's definitions have errors (ordo validate); using default settings\n");
  }
  return defaultSettings();
}

export function flowOf(project: Project, name: string): FlowDef {
  const flow = project.flows.get(name);
  if (!flow) {
    const known = [...project.flows.keys()].sort().join(', ') || 'none';
    throw new OrdoError('ORDO_NOT_FOUND', `flow "${name}" is not defined${suggest(name, project.flows.keys())} (flows: ${known})`);
  }
  return flow;
}

/** Fails in one line, with what to do, when `dir` is not a project (see defs/project-root.ts). */
export function requireProject(dir: string): void {
  if (!isProjectDir(dir)) throw new OrdoError('ORDO_NO_PROJECT', notAProject(dir));
}

export interface StoreAccess {
  /** The command only reads: where nothing is stored yet it reads an empty store and creates nothing. */
  readOnly?: boolean;
}

/** For commands that only read the store. */
export const READ_ONLY: StoreAccess = { readOnly: true };

/**
 * The store the options select. Where nothing is stored yet (SQLite, no file), a directory that is not a
 * project is refused unless ORDO_HOME names the state directory, and a read-only command gets an empty
 * in-memory store, so looking never creates `.ordo/`.
 */
export async function storeFor(opts: DirOption, access: StoreAccess = {}): Promise<OrdoStore> {
  const dir = projectDir(opts);
  const stateDir = resolve(stateDirFor(dir));
  const databaseUrl = process.env.DATABASE_URL || undefined;
  if (!databaseUrl && !existsSync(sqliteFileOf(stateDir))) {
    if (!storedSomewhere(dir)) requireProject(dir);
    if (access.readOnly) return openStore({ stateDir, sqlitePath: ':memory:' });
  }
  return openStore({ stateDir, databaseUrl });
}

/** The environment names the store (PostgreSQL, ORDO_HOME), or `dir` has one: then `dir` need not be a project. */
function storedSomewhere(dir: string): boolean {
  return !!process.env.DATABASE_URL || !!process.env.ORDO_HOME || existsSync(sqliteFileOf(resolve(stateDirFor(dir))));
}

/** Opens the store the options select, runs `fn` on it, and closes it whatever happens. */
export async function withStore<T>(opts: DirOption, fn: (store: OrdoStore) => Promise<T>, access: StoreAccess = {}): Promise<T> {
  const store = await storeFor(opts, access);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function stateDir(opts: DirOption): string {
  return resolve(stateDirFor(projectDir(opts)));
}

export function parseRunId(text: string): number {
  const id = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id)) throw new OrdoError('ORDO_BAD_ARGUMENT', `"${text}" is not a run id (a positive integer)`);
  return id;
}

export function parsePositiveInt(text: string, what: string): number {
  const n = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new OrdoError('ORDO_BAD_ARGUMENT', `${what} must be a positive integer, got "${text}"`);
  return n;
}

/** Runs a command body; turns errors into one line on stderr (JSON on stdout with --json) and an exit status. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? 0;
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}

/** Whether the command line asks for JSON output (`--json` before any `--`). */
export function wantsJson(argv: readonly string[] = process.argv.slice(2)): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Prints a failure the way the command line asked: `ordo: CODE message` on stderr, or with `--json`
 * `{"error": {"code", "message"}}` on stdout (where the JSON a script reads goes). Returns the exit status.
 */
export function reportError(err: unknown): number {
  if (err instanceof OrdoError) {
    writeError(err.code, err.message);
    return ERROR_CODES[err.code].exit;
  }
  if (isStackOverflow(err)) {
    writeError('ORDO_BAD_ARGUMENT', 'the input nests too deeply to be processed');
    return ERROR_CODES.ORDO_BAD_ARGUMENT.exit;
  }
  // A bug: the stack is for the person at this terminal (and for the bug report).
  if (wantsJson()) writeError('ORDO_INTERNAL', (err as Error)?.message ?? String(err));
  process.stderr.write(`ordo: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}

export function writeError(code: string, message: string): void {
  if (wantsJson()) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  else process.stderr.write(`ordo: ${code} ${message}\n`);
}

/** `--param k=v` collector. */
export function collectParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  return collectPair('--param', value, previous);
}

export function collectVar(value: string, previous: Record<string, string> = {}): Record<string, string> {
  return collectPair('--var', value, previous);
}

function collectPair(option: string, value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new OrdoError('ORDO_BAD_ARGUMENT', `${option} expects KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
