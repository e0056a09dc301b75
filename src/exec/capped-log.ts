/**
 * One captured stream of an attempt: the child's pipe copied into a file up to a byte cap. Past the cap a
 * single marker line is written and the rest is read and dropped, so a chatty job never blocks on a full
 * pipe and never fills the disk. The file, and its directory, are created with the first byte: most jobs
 * are silent on one stream or both, and creating a file or a directory costs about as much CPU as the
 * spawn itself.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';

export class CappedLog {
  private out: WriteStream | undefined;
  private written = 0;
  private truncated = false;
  private broken = false;
  /** Whether what was written so far ends a line, so that the marker starts on a line of its own. */
  private atLineStart = true;
  private waitingForDrain: Readable | undefined;

  /**
   * `makeDir` makes the file's directory, synchronously; it is called before the file is first opened.
   * `onWritten` is told how many bytes each chunk put in the file (the order of the streams, stream-order.ts).
   */
  constructor(
    private readonly path: string, private readonly cap: number, private readonly makeDir: () => void = () => {},
    private readonly onWritten: (bytes: number) => void = () => {},
  ) {}

  private open(): WriteStream | undefined {
    try {
      this.makeDir();
    } catch {
      this.broken = true;
      return undefined;
    }
    const out = createWriteStream(this.path);
    // A log file we cannot write (disk full, directory removed) must not stop or block the job: its output
    // is dropped from then on.
    out.on('error', () => {
      this.broken = true;
      this.waitingForDrain?.resume();
      this.waitingForDrain = undefined;
    });
    return out;
  }

  /** Copies `src` into the file. Below the cap the file's backpressure pauses the pipe; above it, nothing does. */
  attach(src: Readable): void {
    src.on('data', (chunk: Buffer) => {
      if (this.accept(chunk) || this.waitingForDrain) return;
      this.waitingForDrain = src;
      src.pause();
      this.out?.once('drain', () => {
        this.waitingForDrain = undefined;
        src.resume();
      });
    });
  }

  /** Writes what fits; returns false when the file stream asks the writer to wait. */
  private accept(chunk: Buffer): boolean {
    if (this.broken || this.truncated || chunk.length === 0) return true;
    const out = (this.out ??= this.open());
    if (!out) return true;
    const room = this.cap - this.written;
    if (chunk.length <= room) {
      this.written += chunk.length;
      this.atLineStart = chunk[chunk.length - 1] === 0x0a;
      this.onWritten(chunk.length);
      return out.write(chunk);
    }
    this.truncated = true;
    const head = chunk.subarray(0, Math.max(0, room));
    const endsLine = head.length > 0 ? head[head.length - 1] === 0x0a : this.atLineStart;
    const marker = `${endsLine ? '' : '\n'}[ordo: output truncated at ${this.cap} bytes]\n`;
    this.written += head.length;
    const tail = Buffer.concat([head, Buffer.from(marker)]);
    this.onWritten(tail.length);
    return out.write(tail);
  }

  /** Flushes and closes the file; resolves once the bytes are on disk (or the file is known broken). */
  close(): Promise<void> {
    const out = this.out;
    return new Promise((resolve) => {
      if (!out || out.closed) return resolve();
      out.once('close', () => resolve());
      out.end();
    });
  }
}
