/**
 * The bad input of hosts (docs/hosts.md) through the real `ordo validate`: an unknown host, a host without
 * slots, a label selector that matches nothing and SSH keys that cannot be read are each reported, all at
 * once, at their file:line:column, and validate exits 2. (A key named as a secret that is not set:
 * ssh-key-secret.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { sandbox } from '../support/cli.js';

const ORDO_YAML = `hosts:
  web1: { labels: { role: web }, slots: 0 }
  old1: { transport: ssh, address: old1.example, user: batch, key: keys/missing_ed25519 }
  old2: { transport: ssh, address: old2.example, user: batch, key: keys }
`;

const FLOW = `flow: nightly
jobs:
  a: { host: db9, shell: "true" }
  b: { hosts: { labels: { role: db } }, shell: "true" }
  c: { host: web1, shell: "true" }
`;

/** line:column (1-based) of `text` on line `line` of `yaml`. */
const at = (yaml: string, line: number, text: string) => `${line}:${yaml.split('\n')[line - 1]!.indexOf(text) + 1}`;

it('ordo validate reports an unknown host, a host without slots, a selector matching nothing and unreadable SSH keys at file:line:column', async () => {
  const b = sandbox({ 'ordo.yaml': ORDO_YAML, 'nightly.yaml': FLOW });
  try {
    mkdirSync(join(b.project, 'keys'));
    const v = await b.ordo(['validate']);
    assert.equal(v.code, 2, v.stdout + v.stderr);
    const lines = v.stdout.trim().split('\n').map((l) => l.replace(b.project, '<project>'));
    assert.deepEqual(lines.sort(), [
      `nightly.yaml:${at(FLOW, 3, 'a:')}: ORDO_UNKNOWN_HOST job "a" runs on host "db9", which ordo.yaml does not declare (hosts: old1, old2, web1)`,
      `nightly.yaml:${at(FLOW, 4, 'b:')}: ORDO_NO_HOST_MATCH job "b" runs on a host with labels role=db, and no host of ordo.yaml has them`,
      `ordo.yaml:${at(ORDO_YAML, 2, '0 }')}: ORDO_BAD_VALUE "slots" of host "web1" must be at least 1, got 0`,
      `ordo.yaml:${at(ORDO_YAML, 3, 'keys/')}: ORDO_BAD_VALUE "key" of host "old1": cannot read the key file <project>/keys/missing_ed25519: ENOENT`,
      `ordo.yaml:${at(ORDO_YAML, 4, 'keys }')}: ORDO_BAD_VALUE "key" of host "old2": cannot read the key file <project>/keys: EISDIR`,
    ].sort());
    assert.match(v.stderr, /5 error\(s\)/);
  } finally {
    b.cleanup();
  }
});
