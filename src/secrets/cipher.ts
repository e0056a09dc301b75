/**
 * AES-256-GCM for one secret: a random 96-bit nonce per encryption, the 128-bit tag appended to the
 * ciphertext, and the secret's name as associated data, so that a ciphertext copied onto another name's row
 * does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { OrdoError } from '../errors.js';
import type { MasterKey } from './master-key.js';

export interface Sealed {
  keyId: string;
  nonce: Buffer;
  /** Ciphertext followed by the 16-byte tag. */
  data: Buffer;
}

const TAG_BYTES = 16;

export function seal(key: MasterKey, name: string, value: string): Sealed {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, nonce);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { keyId: key.id, nonce, data };
}

export function open(key: MasterKey, name: string, sealed: Sealed): string {
  if (sealed.keyId !== key.id) {
    throw new OrdoError('ORDO_MASTER_KEY', `secret "${name}" was encrypted with master key ${sealed.keyId}, but the key from ${key.source} is ${key.id}`);
  }
  if (sealed.data.length < TAG_BYTES) throw new OrdoError('ORDO_MASTER_KEY', `secret "${name}" is damaged (too short)`);
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, sealed.nonce);
  decipher.setAAD(Buffer.from(name, 'utf8'));
  decipher.setAuthTag(sealed.data.subarray(sealed.data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.data.subarray(0, sealed.data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new OrdoError('ORDO_MASTER_KEY', `secret "${name}" does not decrypt with master key ${key.id}: it was altered or written with another key`);
  }
}
