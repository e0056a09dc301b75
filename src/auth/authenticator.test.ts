import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../store/open.js';
import { Authenticator } from './authenticator.js';
import { issueToken } from './manage.js';

test("a connection's verdict: the current role, a final refusal when revoked or expired, a passing one when the store fails", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-auth-'));
  const store = await openStore({ stateDir: dir });
  try {
    let now = Date.parse('2026-12-04T12:00:00Z');
    const auth = new Authenticator({ db: store.sql, now: () => now });
    const { secret } = await issueToken(store.sql, { name: 'soon', role: 'operator', expires: '1h' }, 'test', now);
    const p = await auth.fromToken(secret);
    assert.deepEqual([p.role, p.token], ['operator', 'soon']);
    assert.deepEqual((await auth.verdict(p)).principal.role, 'operator');
    now += 3_600_000;
    const expired = await auth.verdict(p);
    assert.deepEqual([expired.refusal?.code, expired.final], ['ORDO_UNAUTHENTICATED', true]);
    assert.match(expired.refusal!.message, /expired at 2026-12-04T13:00:00.000Z/);
    await store.close();
    const failing = await auth.verdict(p);
    assert.deepEqual([failing.refusal?.code, failing.final], ['ORDO_UNAVAILABLE', false]);
    assert.ok(failing.error instanceof Error);
    assert.doesNotMatch(failing.refusal!.message, /database/i, 'the store failure stays in the log');
  } finally {
    await store.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
