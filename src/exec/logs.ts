/**
 * Reading attempt files back (layout in paths.ts): which attempts of a job left a trace, one captured
 * stream, and following a stream while the attempt still writes it (`ordo logs --follow`). The `attempt`
 * stream is the attempt's lines of its run's attempts.log.
 */
import type { Dirent } from 'node:fs';
import { open, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { legacyAttemptLogFile, orderFile, outputFile, runDir, runLogFile, type LogStream, type OutputStream } from './paths.js';
import { Interleaver } from './stream-order.js';
import { recordOf } from './run-log.js';

/**
 * Attempt numbers of the job, ascending; [] when the job never ran. An attempt counts when the run's
 * attempts.log has a line of it, or when it has a directory (it wrote output; or a run from before
 * attempts.log, whose attempts all have one).
 */
export async function listAttempts(stateDir: string, runId: string, job: string): Promise<number[]> {
  const found = new Set<number>();
  for (const line of (await readIfThere(runLogFile(stateDir, runId))).split('\n')) {
    const rec = recordOf(line);
    if (rec?.job === job) found.add(rec.attempt);
  }
  let entries: Dirent[];
  try {
    entries = await readdir(join(runDir(stateDir, runId), job), { withFileTypes: true });
  } catch (err) {
    if (!isMissing(err) && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
    entries = [];
  }
  for (const e of entries) if (e.isDirectory() && /^[0-9]+$/.test(e.name)) found.add(Number(e.name));
  return [...found].sort((a, b) => a - b);
}

/** The whole stream as text; '' when the attempt wrote nothing to it (or has not started). */
export async function readAttemptLog(stateDir: string, runId: string, job: string, attempt: number, stream: LogStream): Promise<string> {
  if (stream === 'all') {
    const mix = new Interleaver();
    for (const s of ['stdout', 'stderr'] as const) mix.addData(s, await readBytesIfThere(outputFile(stateDir, runId, job, attempt, s)));
    mix.addOrder(await readIfThere(orderFile(stateDir, runId, job, attempt)));
    return Buffer.concat(mix.drain(true)).toString('utf8');
  }
  if (stream !== 'attempt') return readIfThere(outputFile(stateDir, runId, job, attempt, stream));
  const mine = attemptLines(job, attempt);
  const text = mine(await readIfThere(runLogFile(stateDir, runId)));
  return text !== '' ? text : readIfThere(legacyAttemptLogFile(stateDir, runId, job, attempt));
}

/**
 * `followFile` for one stream of one attempt: stdout and stderr are files of their own; the attempt
 * stream is the attempt's lines of the run's attempts.log, handed on whole lines at a time.
 */
export async function followAttemptLog(
  stateDir: string, runId: string, job: string, attempt: number, stream: LogStream,
  onChunk: (chunk: Buffer) => void, opts: FollowOptions,
): Promise<void> {
  if (stream === 'all') return followInterleaved(stateDir, runId, job, attempt, onChunk, opts);
  if (stream !== 'attempt') return followFile(outputFile(stateDir, runId, job, attempt, stream), onChunk, opts);
  const mine = attemptLines(job, attempt);
  const decoder = new StringDecoder('utf8'); // a chunk may end inside a character
  let partial = '';
  await followFile(runLogFile(stateDir, runId), (chunk) => {
    const text = partial + decoder.write(chunk);
    const end = text.lastIndexOf('\n') + 1;
    partial = text.slice(end);
    const lines = mine(text.slice(0, end));
    if (lines !== '') onChunk(Buffer.from(lines));
  }, opts);
}

/** Both streams as they are written, in the order the job wrote them (stream-order.ts). */
async function followInterleaved(
  stateDir: string, runId: string, job: string, attempt: number, onChunk: (chunk: Buffer) => void, opts: FollowOptions,
): Promise<void> {
  const mix = new Interleaver();
  const offsets = { stdout: 0, stderr: 0, order: 0 };
  const decoder = new StringDecoder('utf8');
  const step = async (final: boolean): Promise<void> => {
    for (const s of ['stdout', 'stderr'] as const) {
      offsets[s] = await readFrom(outputFile(stateDir, runId, job, attempt, s), offsets[s], (c) => mix.addData(s, c));
    }
    offsets.order = await readFrom(orderFile(stateDir, runId, job, attempt), offsets.order, (c) => mix.addOrder(decoder.write(c)));
    for (const chunk of mix.drain(final)) onChunk(chunk);
  };
  while (!opts.signal.aborted) {
    await step(false);
    await sleep(opts.pollMs, opts.signal);
  }
  await step(true);
}

/** Keeps the lines of `job`/`attempt` out of attempts.log text (whole lines, each with its newline). */
function attemptLines(job: string, attempt: number): (text: string) => string {
  return (text) => {
    let out = '';
    for (const line of text.split('\n')) {
      const rec = recordOf(line);
      if (rec?.job === job && rec.attempt === attempt) out += `${line}\n`;
    }
    return out;
  };
}

async function readBytesIfThere(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isMissing(err)) return Buffer.alloc(0);
    throw err;
  }
}

async function readIfThere(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return '';
    throw err;
  }
}

export interface FollowOptions {
  /** Aborting it ends the follow, after one last read. */
  signal: AbortSignal;
  /** How often to look for appended bytes. */
  pollMs: number;
}

/**
 * Hands `onChunk` what the file holds, then what is appended to it, until `signal` aborts; then the rest
 * once more, so that output written just before the end is not lost. The file may not exist yet. Polling
 * (rather than fs.watch) works the same on every file system, including network mounts.
 */
export async function followFile(path: string, onChunk: (chunk: Buffer) => void, opts: FollowOptions): Promise<void> {
  let offset = 0;
  while (!opts.signal.aborted) {
    offset = await readFrom(path, offset, onChunk);
    await sleep(opts.pollMs, opts.signal);
  }
  await readFrom(path, offset, onChunk);
}

/** Reads `path` from `offset` to its current end; returns the new offset. */
async function readFrom(path: string, offset: number, onChunk: (chunk: Buffer) => void): Promise<number> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if (isMissing(err)) return offset;
    throw err;
  }
  try {
    // A file shorter than what we have read was rewritten (the attempt started again): start over.
    if ((await file.stat()).size < offset) offset = 0;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return offset;
      offset += bytesRead;
      onChunk(Buffer.from(buf.subarray(0, bytesRead))); // a copy: buf is reused for the next read
    }
  } finally {
    await file.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Up to `bytes` from the end of one captured stream of an attempt; '' when it wrote nothing. */
export async function readAttemptTail(stateDir: string, runId: string, job: string, attempt: number, stream: OutputStream, bytes: number): Promise<string> {
  let file;
  try {
    file = await open(outputFile(stateDir, runId, job, attempt, stream), 'r');
  } catch (err) {
    if (isMissing(err)) return '';
    throw err;
  }
  try {
    const size = (await file.stat()).size;
    const from = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - from);
    const { bytesRead } = await file.read(buf, 0, buf.length, from);
    // Cut from the middle of a file, the text may start inside a character: the decoder replaces it.
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}
