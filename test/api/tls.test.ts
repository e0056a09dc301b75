/** TLS: with a certificate and key the one port serves HTTPS and WSS (and plain HTTP no longer). */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { test } from 'node:test';
import { tempDir } from '../support/tmp.js';
import { selfSignedCert, skipWithoutOpenssl } from '../support/tls.js';
import { openSocket, startTestServer } from './support.js';

function post(url: string, body: string, ca: string, token: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/rpc`, { method: 'POST', ca, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('HTTPS and WSS with a certificate; the certificate is checked by clients', { skip: skipWithoutOpenssl() }, async () => {
  const tmp = tempDir('ordo-tls-');
  const pem = selfSignedCert(tmp.path);
  const t = await startTestServer({ tls: pem });
  try {
    assert.match(t.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await post(t.url, '{"jsonrpc":"2.0","id":1,"method":"auth.whoami"}', pem.cert, t.tokens.user);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.text) as { result: { role: string } }).result.role, 'user');
    await assert.rejects(post(t.url, '{}', '', t.tokens.user), /self-signed|certificate/i);
    await assert.rejects(fetch(`${t.url.replace('https', 'http')}/healthz`));
    const s = await openSocket(t.url, t.tokens.user, pem.cert);
    try {
      s.send({ jsonrpc: '2.0', id: 1, method: 'server.health' });
      assert.equal(((await s.next((m) => m.id === 1, 'health')).result as { status: string }).status, 'ok');
    } finally {
      await s.close();
    }
  } finally {
    await t.close();
    tmp.cleanup();
  }
});
