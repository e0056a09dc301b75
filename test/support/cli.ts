/**
 * Runs the real `ordo` command line (the compiled dist/src/cli/main.js) as a user would: a child process
 * with its own environment and working directory, its output captured, and a time limit so that no test
 * can hang on it. Also: writing a project into a directory, and bounded polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoPath } from '../../src/paths.js';
import { tempDir, type TempDir } from './tmp.js';
import { poll } from './wait.js';

/** The compiled CLI, resolved from the repository root (not from the test's working directory). */
export const CLI_PATH = repoPath('dist/src/cli/main.js');

export interface CliResult {
  /** Exit status; null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the time limit ended the process (it was sent SIGKILL). */
  timedOut: boolean;
}

export interface CliOptions {
  /** The whole environment of the process (see cliEnv); by default cliEnv() without ORDO_HOME. */
  env?: NodeJS.ProcessEnv;
  /** Working directory; by default the test process's. */
  cwd?: string;
  /** The process is killed (SIGKILL) after this long; 60 s by default. */
  timeoutMs?: number;
  /** Run this script with `sh -c` instead of the CLI (the arguments are then ignored). */
  shell?: string;
}

// Generous: on a loaded 2-core machine a command that takes 0.5 s alone may take many seconds.
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Variables of the test process that would change what the CLI does (which store, which project, which
 * run) or how node behaves in the child; they are never passed on implicitly.
 */
const SCRUBBED = [
  'ORDO_HOME', 'ORDO_PROJECT', 'ORDO_RUN_ID', 'ORDO_ENV', 'ORDO_TOKEN', 'ORDO_LISTEN', 'ORDO_JCAPI_LISTEN', 'ORDO_LOG_FORMAT', 'DATABASE_URL',
  'NODE_TEST_CONTEXT', 'NODE_OPTIONS',
];

/**
 * An environment for the CLI: the test process's (PATH, HOME, ...) minus the variables that select a store
 * or project, plus `extra`. Pass `ORDO_HOME` (and `DATABASE_URL` for PostgreSQL) in `extra`.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of SCRUBBED) delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A CLI process that runs in the background (e.g. `ordo server`), stopped by the test. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Ends when the process exits (also after stop()). */
  readonly exited: Promise<CliResult>;
  /** SIGTERM, then SIGKILL after graceMs (2 s by default) if it is still there; resolves once it exited. */
  stop(graceMs?: number): Promise<CliResult>;
}

/** Starts `node dist/src/cli/main.js ...args` and returns at once. */
export function startCli(args: string[], opts: CliOptions = {}): CliProcess {
  const [file, argv] = opts.shell !== undefined ? ['sh', ['-c', opts.shell]] : [process.execPath, [CLI_PATH, ...args]];
  const child = spawn(file, argv, {
    cwd: opts.cwd,
    env: opts.env ?? cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const limit = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const exited = new Promise<CliResult>((resolve) => {
    // A spawn failure emits 'error' and then (usually) 'close'; resolve on whichever says it is over.
    child.once('error', (err) => {
      clearTimeout(limit);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}spawn error: ${err.message}\n`, timedOut });
    });
    child.once('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
  const stop = async (graceMs = 2_000): Promise<CliResult> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(kill);
      }
    }
    return exited;
  };
  return { child, stdout: () => stdout, stderr: () => stderr, exited, stop };
}

/** Runs `node dist/src/cli/main.js ...args` to its end. Never rejects: a timeout shows in the result. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, opts).exited;
}

/** A result's description for assertion messages. */
export function describeResult(args: readonly string[], r: CliResult): string {
  const how = r.timedOut ? 'timed out' : r.signal ? `signal ${r.signal}` : `exit ${r.code}`;
  return `ordo ${args.join(' ')} -> ${how}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** The non-empty lines of some output. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** Writes files (relative path -> content) under dir, making folders as needed. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/**
 * A throwaway user setup: a project directory (`project/`) and a separate state directory (`home/`, the
 * ORDO_HOME of every command), both under one temp folder. `ordo(...)` runs the CLI on them from inside
 * the project directory, with `--dir` given explicitly only where the test says so.
 */
export interface Sandbox {
  readonly root: TempDir;
  readonly project: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  ordo(args: string[], opts?: Omit<CliOptions, 'env'>): Promise<CliResult>;
  start(args: string[], opts?: Omit<CliOptions, 'env'>): CliProcess;
  cleanup(): void;
}

export function sandbox(files: Record<string, string>, extraEnv: Record<string, string | undefined> = {}): Sandbox {
  const root = tempDir('ordo-cli-');
  const project = join(root.path, 'project');
  const home = join(root.path, 'home');
  mkdirSync(project);
  mkdirSync(home);
  writeFiles(project, files);
  const env = cliEnv({ ORDO_HOME: home, ...extraEnv });
  return {
    root, project, home, env,
    ordo: (args, opts = {}) => runCli(args, { cwd: project, ...opts, env }),
    start: (args, opts = {}) => startCli(args, { cwd: project, ...opts, env }),
    cleanup: () => root.cleanup(),
  };
}

/**
 * Calls `probe` every intervalMs until it returns something other than undefined, and returns that; fails
 * with `what` (and the last thing seen, if `seen` says) after timeoutMs. Bounded: never waits forever.
 */
export function waitFor<T>(
  what: string, probe: () => Promise<T | undefined>, opts: { timeoutMs?: number; intervalMs?: number; seen?: () => string } = {},
): Promise<T> {
  return poll(what, probe, { timeoutMs: 60_000, intervalMs: 200, ...opts });
}
