/** The netstring listener over TLS: the same session, and a plain TCP peer gets nowhere. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../support/tmp.js';
import { selfSignedCert, skipWithoutOpenssl } from '../support/tls.js';
import { RawClient } from './raw-client.js';
import { startJcServer } from './support.js';

test('greeting and hello over TLS; the certificate is checked', { skip: skipWithoutOpenssl() }, async () => {
  const tmp = tempDir('ordo-jctls-');
  const pem = selfSignedCert(tmp.path);
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
