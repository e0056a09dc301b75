/**
 * A self-signed certificate for 127.0.0.1, made with the openssl command, for the TLS tests. Without openssl
 * those tests are skipped on a developer's machine; in CI (`CI` set) they never are: .ci/run installs it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Why the TLS tests are skipped here, or false to run them. */
export function skipWithoutOpenssl(): string | false {
  if (process.env.CI) return false;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'openssl is not installed';
  }
}

/** A certificate and key (PEM) for 127.0.0.1, valid for a day, written into `dir` and read back. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}
