/**
 * Netstrings (https://cr.yp.to/proto/netstrings.txt), JobCenter's framing: `<length>:<bytes>,` with the
 * length in decimal. The decoder is linear in the bytes it receives and never holds more than the limit:
 * the length is read digit by digit (refused at once past the limit, past 7 digits or with a leading zero),
 * and a body is copied into one buffer of the announced size. Anything that is not a netstring is an error.
 */
export const MAX_FRAME = 999_999;
/** More digits than any length up to the limit needs (999,999 has 6; 1,000,000, the first too large, 7). */
const MAX_DIGITS = 7;

export class NetstringError extends Error {
  constructor(readonly kind: 'too_large' | 'malformed', message: string) {
    super(message);
    this.name = 'NetstringError';
  }
}

export function encodeNetstring(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`, 'latin1'), body, Buffer.from(',', 'latin1')]);
}

/** 999999 -> "999,999". */
export function formatBytes(n: number): string {
  return n.toLocaleString('en-US');
}

const COLON = 0x3a;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

export class NetstringDecoder {
  /** Digits of the length read so far, and their value. */
  private digits = 0;
  private length = 0;
  /** The body and its comma, once the length is known (null while reading a length). */
  private body: Buffer | null = null;
  private have = 0;
  private failed = false;

  constructor(private maxFrame = MAX_FRAME) {}

  /** The largest frame accepted from now on (a frame under way keeps the limit it was read with). */
  get limit(): number {
    return this.maxFrame;
  }

  set limit(bytes: number) {
    this.maxFrame = bytes;
  }

  /** The frames completed by this chunk; throws a NetstringError (for good: the stream is unusable after). */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw new NetstringError('malformed', 'the stream already failed');
    try {
      return this.read(chunk);
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  private read(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.body === null) {
        this.lengthByte(chunk[i++]!);
        continue;
      }
      const take = Math.min(this.body.length - this.have, chunk.length - i);
      chunk.copy(this.body, this.have, i, i + take);
      this.have += take;
      i += take;
      if (this.have < this.body.length) continue;
      if (this.body[this.length] !== COMMA) throw new NetstringError('malformed', 'a netstring does not end with ","');
      frames.push(this.body.subarray(0, this.length));
      this.body = null;
      this.have = 0;
      this.digits = 0;
      this.length = 0;
    }
    return frames;
  }

  private lengthByte(c: number): void {
    if (c === COLON) {
      if (this.digits === 0) throw new NetstringError('malformed', 'a netstring has no length before ":"');
      this.body = Buffer.allocUnsafe(this.length + 1);
      return;
    }
    if (c < ZERO || c > NINE) throw new NetstringError('malformed', `unexpected byte 0x${c.toString(16)} in a netstring length`);
    if (this.digits === 1 && this.length === 0) throw new NetstringError('malformed', 'a netstring length with a leading zero');
    this.digits++;
    this.length = this.length * 10 + (c - ZERO);
    if (this.length > this.maxFrame || this.digits > MAX_DIGITS) {
      throw new NetstringError('too_large', `a frame of more than ${formatBytes(this.maxFrame)} bytes (the limit)`);
    }
  }

  /** Bytes received of an unfinished frame (0 between frames). */
  get pending(): number {
    return this.body === null ? this.digits : this.digits + 1 + this.have;
  }
}
