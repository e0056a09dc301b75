/**
 * Reading attempt files back: which attempts of a job left files, one captured stream, and following a
 * stream while the attempt still writes it (`ordo logs --follow`).
 */
import { open, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { attemptFile, type LogStream } from './paths.js';

/** Attempt numbers that have a directory, ascending; [] when the job never ran. */
export async function listAttempts(stateDir: string, runId: string, job: string): Promise<number[]> {
  let entries;
  try {
    entries = await readdir(join(stateDir, 'runs', runId, job), { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  return entries
    .filter((e) => e.isDirectory() && /^[0-9]+$/.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b);
}

/** The whole stream as text; '' when the attempt wrote nothing to it (or has not started). */
export async function readAttemptLog(stateDir: string, runId: string, job: string, attempt: number, stream: LogStream): Promise<string> {
  try {
    return await readFile(attemptFile(stateDir, runId, job, attempt, stream), 'utf8');
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
