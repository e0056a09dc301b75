/**
 * The order in which an attempt's stdout and stderr were written, so that `ordo logs` can show the two
 * streams interleaved as they happened. Each stream keeps its own capped file; beside them, `order.idx` holds
 * one line per run of bytes from one stream, written by the attempt's supervisor (bin/ordo-supervise) when
 * the job switches streams:
 *
 *   o 120      the next 120 bytes of stdout.log
 *   e 42       then the next 42 bytes of stderr.log
 *
 * Cheap: a job that writes to one stream only (most do) never switches, and gets no file at all; a switch
 * costs one short buffered write. Capped: after 100,000 switches nothing more is recorded, and a reader
 * shows the rest of each stream after what is recorded. The run of bytes after the last switch is written
 * at the end; until then (or if the process dies) a reader knows it is of the stream the job switched to.
 */
import type { OutputStream } from './paths.js';

const other = (s: OutputStream): OutputStream => (s === 'stdout' ? 'stderr' : 'stdout');

/**
 * Puts the two streams back together from their bytes and the order records, incrementally (for `--follow`)
 * or at once. Bytes are handed in as they are read from the files; `drain` returns what can be shown now.
 */
export class Interleaver {
  private readonly data: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
  private readonly avail: Record<OutputStream, number> = { stdout: 0, stderr: 0 };
  /** Bytes shown before their record arrived (the run after the last switch), to be skipped by it. */
  private readonly ahead: Record<OutputStream, number> = { stdout: 0, stderr: 0 };
  private readonly records: Array<{ stream: OutputStream; left: number }> = [];
  private last: OutputStream | undefined;
  /** The stream whose bytes came in first: before any record, the job has written to it alone. */
  private first: OutputStream | undefined;
  private partial = '';

  addData(stream: OutputStream, chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.first ??= stream;
    this.data[stream].push(chunk);
    this.avail[stream] += chunk.length;
  }

  addOrder(text: string): void {
    const all = this.partial + text;
    const end = all.lastIndexOf('\n') + 1;
    this.partial = all.slice(end);
    for (const line of all.slice(0, end).split('\n')) {
      const m = /^([oe]) (\d+)$/.exec(line);
      if (m) this.records.push({ stream: m[1] === 'o' ? 'stdout' : 'stderr', left: Number(m[2]) });
    }
  }

  /** What can be shown now, in order; `final`: the attempt has ended and every byte is in, show the rest. */
  drain(final: boolean): Buffer[] {
    const out: Buffer[] = [];
    while (this.records.length > 0) {
      const r = this.records[0]!;
      const skip = Math.min(r.left, this.ahead[r.stream]);
      this.ahead[r.stream] -= skip;
      r.left -= skip;
      const n = Math.min(r.left, this.avail[r.stream]);
      if (n > 0) out.push(this.take(r.stream, n));
      r.left -= n;
      this.last = r.stream;
      if (r.left > 0 && !final) return out; // its bytes are not read yet: later ones must wait for them
      this.records.shift();
    }
    // Past the last record: bytes of the stream the job switched to (or of the only stream with output).
    const current = this.last !== undefined ? other(this.last) : this.first ?? 'stdout';
    for (const s of final ? [current, other(current)] : [current]) {
      const n = this.avail[s];
      if (n > 0) {
        out.push(this.take(s, n));
        if (!final) this.ahead[s] += n;
      }
    }
    return out;
  }

  /** The next n bytes of a stream (n <= avail), taken chunk by chunk: no copy of what stays queued. */
  private take(stream: OutputStream, n: number): Buffer {
    const queue = this.data[stream];
    const parts: Buffer[] = [];
    let want = n;
    while (want > 0) {
      const head = queue[0]!;
      if (head.length <= want) {
        parts.push(head);
        queue.shift();
        want -= head.length;
      } else {
        parts.push(head.subarray(0, want));
        queue[0] = head.subarray(want);
        want = 0;
      }
    }
    this.avail[stream] -= n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
