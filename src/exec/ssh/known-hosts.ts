/**
 * OpenSSH's known_hosts, as far as a host key check needs it: lines `PATTERNS KEYTYPE BASE64 [comment]`,
 * patterns plain (`web1`, `[web1]:2222`, with `*`, `?` and `!negation`) or hashed (`|1|salt|hmac`, what
 * `HashKnownHosts yes` writes), and the `@revoked` marker. `@cert-authority` lines are skipped: Ordo does
 * not check host certificates.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { dirname } from 'node:path';

/** How a host is named in known_hosts: `address` on port 22, `[address]:port` elsewhere. */
export const knownHostsName = (address: string, port: number): string => (port === 22 ? address : `[${address}]:${port}`);

export type HostKeyVerdict =
  | { kind: 'known' }
  /** No line for this host: unknown (accept-new may add it). */
  | { kind: 'unknown' }
  /** Lines for this host, none with this key: a changed key (possibly an attack); never accepted. */
  | { kind: 'changed' }
  | { kind: 'revoked' };

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

function hashedMatch(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|');
  if (magic !== '1' || salt === undefined || hash === undefined) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

/** Whether a line's comma-separated patterns name the host (a matching negation rules it out). */
function patternsMatch(patterns: string, name: string): boolean {
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('|')) matched ||= hashedMatch(p, name);
    else if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else matched ||= globMatch(p, name);
  }
  return matched;
}

/** What known_hosts (the file's text) says of this host presenting this key (the SSH wire-format blob). */
export function checkHostKey(text: string, name: string, key: Buffer): HostKeyVerdict {
  let seen = false;
  let known = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
    const [patterns, , blob] = fields;
    if (patterns === undefined || blob === undefined || marker === '@cert-authority') continue;
    const sameKey = Buffer.from(blob, 'base64').equals(key);
    if (marker === '@revoked') {
      if (sameKey) return { kind: 'revoked' };
      continue;
    }
    if (!patternsMatch(patterns, name)) continue;
    seen = true;
    known ||= sameKey;
  }
  return known ? { kind: 'known' } : seen ? { kind: 'changed' } : { kind: 'unknown' };
}

export function readKnownHosts(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** accept-new: adds the host's key, as ssh does (the key type is the blob's first field). */
export function addKnownHost(file: string, name: string, key: Buffer): void {
  const typeLength = key.readUInt32BE(0);
  const type = key.subarray(4, 4 + typeLength).toString('ascii');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = readKnownHosts(file);
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  appendFileSync(file, `${sep}${name} ${type} ${key.toString('base64')}\n`, { mode: 0o600 });
}
