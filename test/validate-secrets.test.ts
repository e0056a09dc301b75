/**
 * `ordo validate` against the store: a secret that a handler (webhook URL, header, signing secret), the
 * SMTP password, a connector or a job names, and that the store does not hold, is a warning at the
 * file:line:column where it is named; on SQLite and on PostgreSQL. Without a store nothing is checked.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inSandbox } from './support/backend-sandbox.js';
import { describeResult, sandbox, type Sandbox } from './support/cli.js';

const FILES = {
  'ordo.yaml': [
    'smtp: { host: mail.example.test, user: ordo, password: "${{ secrets.SMTP_PW }}", from: ordo@example.test }',
    'connectors:', '  dwh: { credentials: "${{ secrets.DWH }}" }',
    'handlers:', '  - { on: failure, email: { to: ops@example.test } }', '',
  ].join('\n'),
  'f.yaml': [
    'flow: f',
    'handlers:',
    '  - on: [failure]',
    '    webhook:',
    '      url: "https://hooks.example.test/x?t=${{ secrets.HOOK_TOKEN }}"',
    '      secret: "${{ secrets.HOKO }}"',
    '      headers: { Authorization: "Bearer ${{ secrets.HOOK_TOKEN }}" }',
    'jobs:',
    '  a: { shell: "echo $X", env: { X: "${{ secrets.HOOK }}" } }', '',
  ].join('\n'),
};

async function setSecret(box: Sandbox, name: string): Promise<void> {
  writeFileSync(join(box.root.path, 'value'), `value-of-${name}`);
  const r = await box.ordo(['secret', 'set', name, '--file', join(box.root.path, 'value')]);
  assert.equal(r.code, 0, describeResult(['secret', 'set', name], r));
}

for (const backend of ['sqlite', 'postgres'] as const) {
  test(`ordo validate on ${backend} names each secret the store does not hold where it is written`, async () => {
    await inSandbox(backend, FILES, async (box) => {
      const key = join(box.root.path, 'master.key');
      assert.equal((await box.ordo(['secret', 'keygen', key])).code, 0);
      box.env.ORDO_MASTER_KEY_FILE = key;
      for (const name of ['HOOK', 'SMTP_PW']) await setSecret(box, name);
      const r = await box.ordo(['validate']);
      assert.equal(r.code, 0, `warnings only: ${describeResult(['validate'], r)}`);
      const set = '(secrets: HOOK, SMTP_PW); an admin sets it with: ordo secret set';
      assert.deepEqual(r.stdout.trimEnd().split('\n'), [
        `f.yaml:5:12: ORDO_UNKNOWN_SECRET "webhook.url" of handler 1 of flow "f" names secret "HOOK_TOKEN", which is not set ${set} HOOK_TOKEN`,
        `f.yaml:6:15: ORDO_UNKNOWN_SECRET "webhook.secret" of handler 1 of flow "f" names secret "HOKO", which is not set (did you mean 'HOOK'?) ${set} HOKO`,
        `f.yaml:7:33: ORDO_UNKNOWN_SECRET header "Authorization" of handler 1 of flow "f" names secret "HOOK_TOKEN", which is not set ${set} HOOK_TOKEN`,
        `ordo.yaml:3:23: ORDO_UNKNOWN_SECRET "credentials" of connector "dwh" names secret "DWH", which is not set ${set} DWH`,
        'ok: 1 flow(s), 1 job(s)',
      ]);
      const json = await box.ordo(['validate', '--json']);
      const diags = JSON.parse(json.stdout) as { code: string; severity: string; at: { file: string; line: number; column: number } }[];
      assert.deepEqual(diags.map((d) => [d.code, d.severity, `${d.at.file}:${d.at.line}:${d.at.column}`])[1], ['ORDO_UNKNOWN_SECRET', 'warning', 'f.yaml:6:15']);
      for (const name of ['HOOK_TOKEN', 'HOKO', 'DWH']) await setSecret(box, name);
      const clean = await box.ordo(['validate']);
      assert.equal(clean.stdout, 'ok: 1 flow(s), 1 job(s)\n');
    });
  });
}

test('without a store, ordo validate checks no secret (and creates no store)', async () => {
  const box = sandbox(FILES);
  try {
    const r = await box.ordo(['validate']);
    assert.equal(r.code, 0, describeResult(['validate'], r));
    assert.equal(r.stdout, 'ok: 1 flow(s), 1 job(s)\n');
    assert.equal(existsSync(join(box.home, 'ordo.db')), false);
  } finally {
    box.cleanup();
  }
});
