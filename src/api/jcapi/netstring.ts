/**
 * Netstrings (https://cr.yp.to/proto/netstrings.txt), JobCenter's framing: `<length>:<bytes>,` with the
 * length in decimal. The decoder refuses a frame longer than its limit as soon as the length is read, so a
 * peer cannot make the server buffer more than the limit; anything that is not a netstring is an error.
 */
export const MAX_FRAME = 999_999;

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

const COLON = 0x3a;
const COMMA = 0x2c;

export class NetstringDecoder {
  private head = '';
  /** Length of the frame being read, null while reading its length. */
  private need: number | null = null;
  private parts: Buffer[] = [];
  private have = 0;
  private failed = false;

  constructor(private readonly maxFrame = MAX_FRAME) {}

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
      if (this.need === null) {
        const c = chunk[i++]!;
        if (c === COLON) {
          if (this.head === '') throw new NetstringError('malformed', 'a netstring has no length before ":"');
          this.need = Number(this.head);
          this.head = '';
          continue;
        }
        if (c < 0x30 || c > 0x39) throw new NetstringError('malformed', `unexpected byte 0x${c.toString(16)} in a netstring length`);
        this.head += String.fromCharCode(c);
        if (Number(this.head) > this.maxFrame) {
          throw new NetstringError('too_large', `a frame of more than ${this.maxFrame} bytes (the limit)`);
        }
        continue;
      }
      // The body and its trailing comma.
      const want = this.need + 1 - this.have;
      const take = Math.min(want, chunk.length - i);
      this.parts.push(chunk.subarray(i, i + take));
      this.have += take;
      i += take;
      if (this.have < this.need + 1) continue;
      const whole = Buffer.concat(this.parts, this.have);
      if (whole[this.need] !== COMMA) throw new NetstringError('malformed', 'a netstring does not end with ","');
      frames.push(whole.subarray(0, this.need));
      this.need = null;
      this.parts = [];
      this.have = 0;
    }
    return frames;
  }

  /** Bytes received of an unfinished frame (0 between frames). */
  get pending(): number {
    return this.head.length + this.have;
  }
}
