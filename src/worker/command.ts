/**
 * Actions implemented by a command, declared in the action file: `config: command = 'node scripts/add.js'`.
 * The command is split into argv (argv.ts: no shell) and run from the project directory with:
 * - the inputs as JSON on stdin and in the file named by ORDO_INPUT;
 * - ORDO_RESULT naming the file where it writes its outputs as a JSON object (none: `{}`);
 * - ORDO_RUN_ID (W12), ORDO_ACTION, ORDO_TASK, ORDO_ATTEMPT, and the environment of the process.
 * A non-zero exit (or a signal) is an error of class `normal` with the end of stderr; a result of the
 * form `{"error": {"msg", "class"}}` raises that error. The action's timeout kills the process group
 * (SIGTERM, then SIGKILL after a grace period). stdout and stderr go to files beside the input.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isObject, type JsonObject } from '../lang/json.js';
import type { ActionDef } from '../lang/program.js';
import { CommandSyntaxError, splitCommand } from './argv.js';
import { ActionFailure } from './failure.js';
import type { ActionHandler, Worker } from './worker.js';

export interface CommandOptions {
  /** Where commands run (the project directory). */
  projectDir: string;
  /** Where each task's input, result and output files go (under the state directory). */
  workDir: string;
  env?: Record<string, string>;
  /** Between SIGTERM and SIGKILL when a timeout stops the command. */
  killGraceMs?: number;
  /** Keep the task folders (input, result, logs) after the command ends. */
  keepFiles?: boolean;
}

/** The actions that declare a command, each with its argv; problems are collected, not thrown. */
export function commandActions(actions: ReadonlyMap<string, ActionDef>): { commands: Map<string, string[]>; problems: string[] } {
  const commands = new Map<string, string[]>();
  const problems: string[] = [];
  for (const [name, def] of actions) {
    const command = def.raw.command;
    if (typeof command !== 'string') continue;
    try {
      commands.set(name, splitCommand(command));
    } catch (err) {
      if (!(err instanceof CommandSyntaxError)) throw err;
      problems.push(`${def.file}: action ${name}: config command: ${err.message}`);
    }
  }
  return { commands, problems };
}

/** Announces every command action on the worker. */
export function announceCommands(worker: Worker, commands: ReadonlyMap<string, string[]>, opts: CommandOptions, slots = 4): void {
  for (const [name, argv] of commands) worker.action(name, commandHandler(name, argv, opts), { slots });
}

function tail(path: string, bytes = 2000): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > bytes ? `...${text.slice(-bytes)}` : text;
  } catch {
    return '';
  }
}

export function commandHandler(action: string, argv: string[], opts: CommandOptions): ActionHandler {
  return async (input, ctx) => {
    const dir = join(opts.workDir, `${ctx.run || 'run'}-task${ctx.taskId}-${ctx.attempt}`);
    mkdirSync(dir, { recursive: true });
    const inputFile = join(dir, 'input.json');
    const resultFile = join(dir, 'result.json');
    const text = JSON.stringify(input);
    writeFileSync(inputFile, text);
    rmSync(resultFile, { force: true });
    const out = openSync(join(dir, 'stdout.log'), 'w');
    const err = openSync(join(dir, 'stderr.log'), 'w');
    try {
      const exit = await run(argv, {
        cwd: opts.projectDir, stdin: text, stdout: out, stderr: err, signal: ctx.signal, killGraceMs: opts.killGraceMs ?? 5000,
        env: {
          ...process.env, ...opts.env, ORDO_INPUT: inputFile, ORDO_RESULT: resultFile, ORDO_RUN_ID: ctx.run, ORDO_ACTION: action,
          ORDO_TASK: String(ctx.taskId), ORDO_ATTEMPT: String(ctx.attempt),
        },
      });
      if (exit.error) throw new ActionFailure(`action ${action}: cannot run ${argv[0] ?? ''}: ${exit.error}`);
      if (ctx.signal.aborted) throw ctx.signal.reason as Error;
      if (exit.code !== 0) {
        const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code ?? '?'}`;
        const stderr = tail(join(dir, 'stderr.log')).trim();
        throw new ActionFailure(`action ${action}: command ${how}${stderr ? `: ${stderr}` : ''}`, 'normal', { exit: exit.code, signal: exit.signal });
      }
      return readResult(action, resultFile);
    } finally {
      closeSync(out);
      closeSync(err);
      if (!opts.keepFiles) rmSync(dir, { recursive: true, force: true });
    }
  };
}

function readResult(action: string, file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ActionFailure(`action ${action}: ORDO_RESULT is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(value)) throw new ActionFailure(`action ${action}: ORDO_RESULT must hold a JSON object`);
  return value;
}

interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: string;
  stdout: number;
  stderr: number;
  signal: AbortSignal;
  killGraceMs: number;
}

interface Exit {
  code: number | null;
  signal: string | null;
  error?: string;
}

function run(argv: string[], opts: RunOptions): Promise<Exit> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    // Its own process group, so a timeout stops whatever the command started too.
    const child = spawn(file ?? '', args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', opts.stdout, opts.stderr], detached: true });
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const kill = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const onAbort = (): void => {
      kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), opts.killGraceMs);
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.stdin);
    child.once('error', (e) => {
      opts.signal.removeEventListener('abort', onAbort);
      resolve({ code: null, signal: null, error: e.message });
    });
    child.once('close', (code, signal) => {
      opts.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      resolve({ code, signal });
    });
  });
}
