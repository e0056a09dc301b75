/** The netstring listener over TLS: the same session, and a plain TCP peer gets nowhere. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../support/tmp.js';
import { RawClient } from './raw-client.js';
import { startJcServer } from './support.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('greeting and hello over TLS; the certificate is checked', { skip: !hasOpenssl() && 'openssl is not installed' }, async () => {
  const tmp = tempDir('ordo-jctls-');
  const cert = join(tmp.path, 'cert.pem');
  const key = join(tmp.path, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const pem = { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  const t = await startJcServer({ jcTls: pem });
  try {
    assert.match(t.server.jcapi!.url, /^tls:\/\/127\.0\.0\.1:\d+$/);
    const c = await RawClient.connect(t.jcPort, pem.cert);
    assert.deepEqual(await c.notification('greetings'), { who: 'jcapi', version: '1.1' });
    assert.deepEqual(await c.call('hello', { who: 'tls', method: 'password', token: t.tokens.user }), [true, 'welcome to the clientapi tls!']);
    assert.equal(await c.call('ping'), 'pong');
    await c.close();
    const plain = await RawClient.connect(t.jcPort);
    await assert.rejects(plain.notification('greetings', () => true, 1000), 'a plain TCP peer gets no greeting');
    await plain.close();
  } finally {
    await t.close();
    tmp.cleanup();
  }
});
