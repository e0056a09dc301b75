/**
 * A `copy` between two paths of the engine's machine (docs/job-kinds.md): written to a temporary file beside
 * the target and renamed into place, so the target is never half-written; with `checksum` the SHA-256 of the
 * bytes read is compared with the SHA-256 of the file written, before the rename.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type CopyOutcome = { ok: true; bytes: number; sha256: string } | { ok: false; error: string };

/** A pass-through stream that counts and hashes what flows through it. */
export function hashingTap(): { stream: Transform; digest(): string; bytes(): number } {
  const hash = createHash('sha256');
  let bytes = 0;
  let hex: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, digest: () => (hex ??= hash.digest('hex')), bytes: () => bytes };
}

export async function sha256File(path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function copyLocal(from: string, to: string, opts: { mode: number; checksum: boolean; tag: string; signal: AbortSignal; log(line: string): void }): Promise<CopyOutcome> {
  const tmp = `${to}.ordo-${opts.tag}.tmp`;
  const tap = hashingTap();
  try {
    await pipeline(createReadStream(from), tap.stream, createWriteStream(tmp, { mode: opts.mode & 0o777 }), { signal: opts.signal });
    const read = tap.digest();
    if (opts.checksum) {
      const written = await sha256File(tmp, opts.signal);
      if (written !== read) return { ok: false, error: `checksum mismatch: read ${read}, wrote ${written}` };
      opts.log(`sha256 ${read} verified`);
    }
    renameSync(tmp, to);
    return { ok: true, bytes: tap.bytes(), sha256: read };
  } finally {
    rmSync(tmp, { force: true });
  }
}
