/**
 * The SSH half of a `copy` job (docs/job-kinds.md): a file sent to or fetched from an SSH host of ordo.yaml
 * over SFTP on one connection. The far side is written to a temporary name and moved into place only after
 * the check, like a local copy; the check compares the SHA-256 of the bytes the engine streamed with the
 * SHA-256 that `sha256sum` (or `shasum -a 256`) computes on the host.
 */
import { createReadStream, createWriteStream, renameSync, rmSync, type Stats } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type ssh2 from 'ssh2';
import { connectSsh, execShort, type SshHost } from './ssh/connect.js';
import { shQuote } from './ssh/remote-command.js';
import { hashingTap, type CopyOutcome } from './copy-local.js';

function sftpOf(client: ssh2.Client): Promise<ssh2.SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))));
}

async function remoteSha256(client: ssh2.Client, path: string): Promise<string> {
  const q = shQuote(path);
  const r = await execShort(client, `sha256sum -- ${q} 2>/dev/null || shasum -a 256 -- ${q}`);
  const hex = /^[0-9a-f]{64}/.exec(r.stdout)?.[0];
  if (!hex) throw new Error(`cannot compute the SHA-256 of ${path} on the host: ${r.stderr.trim() || `exit ${r.code}`}`);
  return hex;
}

async function sh(client: ssh2.Client, command: string, what: string): Promise<string> {
  const r = await execShort(client, command);
  if (r.code !== 0) throw new Error(`${what}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}

export interface RemoteCopy {
  host: SshHost;
  direction: 'put' | 'get';
  /** The path on the engine's machine (absolute) and on the host (as written). */
  local: string;
  remote: string;
  checksum: boolean;
  /** Temporary names carry it, so two attempts never share one. */
  tag: string;
  localMode?: Stats['mode'];
  signal: AbortSignal;
  log(line: string): void;
}

/** Sends or fetches one file; the far side is in place only when the result says so. */
export async function copyOverSsh(c: RemoteCopy): Promise<CopyOutcome> {
  const client = await connectSsh(c.host);
  const end = () => client.end();
  c.signal.addEventListener('abort', end, { once: true });
  try {
    const sftp = await sftpOf(client);
    const tap = hashingTap();
    if (c.direction === 'put') {
      // A directory as the target takes the file under its own name.
      const base = c.local.split('/').pop()!;
      const target = (await sh(client, `if [ -d ${shQuote(c.remote)} ]; then echo dir; fi`, 'cannot look at the target')).trim() === 'dir'
        ? `${c.remote.replace(/\/+$/, '')}/${base}` : c.remote;
      const tmp = `${target}.ordo-${c.tag}.tmp`;
      try {
        await pipeline(createReadStream(c.local), tap.stream, sftp.createWriteStream(tmp, { mode: (c.localMode ?? 0o644) & 0o777 }) as Writable, { signal: c.signal });
        const read = tap.digest();
        if (c.checksum) {
          const written = await remoteSha256(client, tmp);
          if (written !== read) return { ok: false, error: `checksum mismatch: sent ${read}, the host has ${written}` };
          c.log(`sha256 ${read} verified on ${c.host.name}`);
        }
        await sh(client, `mv -f -- ${shQuote(tmp)} ${shQuote(target)}`, `cannot move the copy into place on ${c.host.name}`);
        return { ok: true, bytes: tap.bytes(), sha256: read };
      } finally {
        await execShort(client, `rm -f -- ${shQuote(tmp)}`).catch(() => undefined);
      }
    }
    const tmp = `${c.local}.ordo-${c.tag}.tmp`;
    try {
      await pipeline(sftp.createReadStream(c.remote) as Readable, tap.stream, createWriteStream(tmp), { signal: c.signal });
      const read = tap.digest();
      if (c.checksum) {
        const source = await remoteSha256(client, c.remote);
        if (source !== read) return { ok: false, error: `checksum mismatch: the host has ${source}, received ${read}` };
        c.log(`sha256 ${read} verified against ${c.host.name}`);
      }
      renameSync(tmp, c.local);
      return { ok: true, bytes: tap.bytes(), sha256: read };
    } finally {
      rmSync(tmp, { force: true });
    }
  } finally {
    c.signal.removeEventListener('abort', end);
    client.end();
  }
}
