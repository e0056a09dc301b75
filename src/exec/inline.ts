/**
 * Attempts done inside the engine's process rather than by a command (the http, sql and copy kinds,
 * docs/job-kinds.md): the same timeout and abort as a command's (an AbortSignal instead of signals), a log
 * in the attempt's stdout file for `ordo logs`, secrets masked in it, in the error and in the result.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AttemptHandle, AttemptOutcome, AttemptRequest } from '../engine/ports.js';
import { maskText, maskValue } from '../secrets/mask.js';
import { outputFile } from './paths.js';

export interface InlineContext {
  signal: AbortSignal;
  /** One line into the attempt's output. */
  log(line: string): void;
}

/** What the work found: success or not, an exit-like code, a result, and the reason when it failed. */
export interface InlineResult {
  ok: boolean;
  code?: number;
  result?: Record<string, unknown>;
  error?: string;
}

export function runInline(req: AttemptRequest, stateDir: string, work: (ctx: InlineContext) => Promise<InlineResult>): AttemptHandle {
  const startedAt = Date.now();
  const controller = new AbortController();
  let stop: 'timeout' | 'aborted' | undefined;
  const mask = req.mask ?? [];
  const file = outputFile(stateDir, req.runId, req.job.name, req.attempt, 'stdout');
  const log = (line: string) => {
    try {
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, `${mask.length ? maskText(line, mask) : line}\n`);
    } catch {
      // an unwritable log must not fail the work
    }
  };
  const timer = req.job.timeoutMs !== undefined ? setTimeout(() => {
    stop = 'timeout';
    controller.abort(new Error(`timed out after ${req.job.timeoutMs} ms`));
  }, req.job.timeoutMs) : undefined;
  const done = work({ signal: controller.signal, log }).then(
    (r) => r,
    (err: unknown): InlineResult => ({ ok: false, error: err instanceof Error ? err.message : String(err) }),
  ).then((r): AttemptOutcome => {
    if (timer) clearTimeout(timer);
    const endedAt = Date.now();
    const status = stop ?? (r.ok ? 'succeeded' : 'failed');
    const error = stop === 'timeout' ? `timed out after ${req.job.timeoutMs} ms` : stop === 'aborted' ? undefined : r.error;
    if (error) log(`error: ${error}`);
    return {
      status, exitCode: stop ? null : r.code ?? (r.ok ? 0 : 1), signal: null, startedAt, endedAt,
      ...(error !== undefined && { error: mask.length ? maskText(error, mask) : error }),
      ...(r.result !== undefined && status === 'succeeded' && { result: mask.length ? maskValue(r.result, mask) : r.result }),
    };
  });
  return {
    done,
    abort: () => {
      stop ??= 'aborted';
      controller.abort(new Error('aborted'));
    },
  };
}
