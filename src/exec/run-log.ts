/**
 * A run's attempts.log: what happened to each attempt of the run, one line per event, in the order the
 * executor saw them. Every line names its job and attempt right after the time, so that the lines of one
 * attempt can be picked out of the run's:
 *
 *   START 2025-06-01T10:00:00.000Z job=build attempt=1 pid=4242 argv=["make","all"]
 *   TIMEOUT <iso> job=build attempt=1 after 300000ms
 *   ABORT <iso> job=build attempt=1 <reason>
 *   KILL <iso> job=build attempt=1 SIGKILL to process group 4242 after 5000ms
 *   ERROR <iso> job=build attempt=1 <message>
 *   FINISH <iso> job=build attempt=1 duration=12ms status=succeeded exit=0 signal=-
 *
 * The file is written through one RunLogWriter per run and executor, which keeps it open while the run has
 * attempts in flight: no file is created or opened per attempt.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export type RecordKind = 'LIMITS' | 'START' | 'REATTACH' | 'DETACH' | 'TIMEOUT' | 'ABORT' | 'KILL' | 'ERROR' | 'FINISH';

/** One line, newline included. `detail` is made one line: a reason or a message may hold line breaks. */
export function formatRecord(kind: RecordKind, at: number, job: string, attempt: number, detail: string): string {
  const flat = detail.includes('\n') || detail.includes('\r') ? detail.replace(/\s*[\r\n]+\s*/g, ' ') : detail;
  const rest = flat === '' ? '' : ` ${flat}`;
  return `${kind} ${new Date(at).toISOString()} job=${job} attempt=${attempt}${rest}\n`;
}

const RECORD = /^[A-Z]+ \S+ job=(\S+) attempt=([0-9]+)(?: |$)/;

/** The job and attempt a line of attempts.log is about; undefined for anything else. */
export function recordOf(line: string): { job: string; attempt: number } | undefined {
  const m = RECORD.exec(line);
  return m ? { job: m[1]!, attempt: Number(m[2]) } : undefined;
}

/**
 * Appends lines to a file kept open between writes. Each line is written at once, synchronously, with one
 * write(2) in append mode: the lines of the run are in the order they were recorded, and another process
 * appending to the file (an engine that took the run over) interleaves whole lines with ours.
 *
 * Synchronous on purpose: a short append to an open file goes to the page cache, while an asynchronous
 * write is handed to libuv's thread pool, and waking a pool thread (and being woken back) costs more CPU
 * than the write itself; about 70 µs per line on the VM where this was measured, against ~1 ms per spawn.
 *
 * A file that cannot be written loses its lines, and nothing else fails: the record is for people.
 */
export class RunLogWriter {
  private fd: number | undefined;
  /** After close(), a later line (there should be none) opens the file, is written, and closes it again. */
  private closed = false;

  constructor(readonly path: string) {}

  append(text: string): void {
    try {
      const fd = (this.fd ??= openSync(this.path, 'a'));
      const written = writeSync(fd, text);
      if (written < Buffer.byteLength(text)) {
        // Short write (rare: a full disk, a signal): write the rest, counting bytes.
        const buf = Buffer.from(text);
        for (let done = written; done < buf.length;) done += writeSync(fd, buf, done);
      }
      if (this.closed) this.release();
    } catch {
      // Lost. Let the next line open the file afresh: the directory may have been recreated meanwhile.
      this.release();
    }
  }

  /** Closes the file now; it is opened again only for a line recorded after this (there should be none). */
  close(): void {
    this.closed = true;
    this.release();
  }

  private release(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // Nothing to do about it.
    }
  }
}
