/** A server's flows.validate and flows.reload warn about secrets its store does not hold (ORDO_UNKNOWN_SECRET), at file:line:column. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { parseKey } from '../../src/secrets/master-key.js';
import { setSecret } from '../../src/secrets/vault.js';
import { rpcClient, startTestServer } from './support.js';

test('flows.validate and flows.reload name an unset secret where a handler names it; the reload still succeeds', async () => {
  const t = await startTestServer({
    files: { 'flows/hooked.yaml': 'flow: hooked\nhandlers:\n  - { on: failure, webhook: { url: "https://h.example.test/", secret: "${{ secrets.HOOK }}" } }\njobs:\n  a: { kind: noop }\n' },
  });
  try {
    const client = rpcClient(t.url, t.tokens.admin);
    type Result = { ok: boolean; diagnostics: { code: string; severity: string; message: string; at: { file: string; line: number; column: number } }[] };
    for (const method of ['flows.validate', 'flows.reload']) {
      const r = await client.request(method, {}) as Result;
      assert.equal(r.ok, true, method);
      assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, `${d.at.file}:${d.at.line}:${d.at.column}`]),
        [['ORDO_UNKNOWN_SECRET', 'warning', 'flows/hooked.yaml:3:71']], method);
      assert.match(r.diagnostics[0]!.message, /"webhook\.secret" of handler 1 of flow "hooked" names secret "HOOK", which is not set \(secrets: none\)/);
    }
    await setSecret(t.server.rt.store.sql, parseKey(randomBytes(32).toString('hex'), 'test'), 'HOOK', 'hook-value', 'test', Date.now());
    assert.deepEqual((await client.request('flows.validate', {}) as Result).diagnostics, []);
  } finally {
    await t.close();
  }
});
