/**
 * The master key that encrypts secrets at rest (docs/secrets.md): 32 bytes, from `ORDO_MASTER_KEY` (64 hex
 * digits or base64 of 32 bytes) or from the file `ORDO_MASTER_KEY_FILE` names, which must be readable by its
 * owner only (mode 0600 or stricter) so that the key is not one `cat` away for other local users.
 * The key id (the first 8 bytes of its SHA-256, hex) is stored beside each secret, so that a wrong key is told
 * apart from damaged data.
 */
import { createHash, randomBytes } from 'node:crypto';
import { openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { OrdoError } from '../errors.js';

export interface MasterKey {
  bytes: Buffer;
  id: string;
  /** Where it came from, for messages: `ORDO_MASTER_KEY` or the file's path. */
  source: string;
}

const KEY_BYTES = 32;

export function keyId(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** 64 hex digits or base64/base64url of 32 bytes, surrounding whitespace ignored. */
export function parseKey(text: string, source: string): MasterKey {
  const t = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) bytes = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!bytes || bytes.length !== KEY_BYTES) {
    throw new OrdoError('ORDO_MASTER_KEY', `the master key from ${source} is not 32 bytes as 64 hex digits or base64 (make one with: ordo secret keygen FILE)`);
  }
  return { bytes, id: keyId(bytes), source };
}

export function readKeyFile(path: string): MasterKey {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw new OrdoError('ORDO_MASTER_KEY', `cannot read the master key file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new OrdoError('ORDO_MASTER_KEY', `the master key file ${path} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 ${path}`);
  }
  return parseKey(readFileSync(path, 'utf8'), path);
}

/** The key from the environment, or undefined when none is configured (the caller says what needs one). */
export function masterKeyFrom(env: NodeJS.ProcessEnv): MasterKey | undefined {
  if (env.ORDO_MASTER_KEY) return parseKey(env.ORDO_MASTER_KEY, 'ORDO_MASTER_KEY');
  if (env.ORDO_MASTER_KEY_FILE) return readKeyFile(env.ORDO_MASTER_KEY_FILE);
  return undefined;
}

export function requireMasterKey(env: NodeJS.ProcessEnv, what: string): MasterKey {
  const key = masterKeyFrom(env);
  if (!key) {
    throw new OrdoError('ORDO_MASTER_KEY', `${what} needs the master key: set ORDO_MASTER_KEY_FILE to a key file (ordo secret keygen FILE makes one) or ORDO_MASTER_KEY`);
  }
  return key;
}

/** Writes a new random key to `path`, created with mode 0600; refuses to overwrite a file. */
export function generateKeyFile(path: string): MasterKey {
  const bytes = randomBytes(KEY_BYTES);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OrdoError('ORDO_BAD_ARGUMENT', code === 'EEXIST' ? `${path} exists: a key file is never overwritten (losing a key loses the secrets)` : `cannot create ${path}: ${code ?? String(e)}`);
  }
  try {
    writeSync(fd, `${bytes.toString('hex')}\n`);
  } finally {
    closeSync(fd);
  }
  return { bytes, id: keyId(bytes), source: path };
}
