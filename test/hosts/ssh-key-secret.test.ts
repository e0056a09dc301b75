/**
 * An SSH host whose private key is a secret (`key: ${{ secrets.NAME }}`, docs/hosts.md), against a real
 * OpenSSH server on loopback: `ordo validate` says when the secret is not set or is not a key, at the key's
 * file:line:column; a server decrypts it when it connects (its probe and the job's attempt), and the key is
 * in clear in no file of the project or the state directory, nor in the server's log; an engine that cannot
 * have the key fails the attempt with the reason in `ordo show`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, waitFor, type CliProcess } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import { tempDir, type TempDir } from '../support/tmp.js';

const KEY_REF = "'${{ secrets.box_key }}'";

const hostLine = (sshd: Sshd, name: string, ref: string) =>
  `  ${name}: { transport: ssh, address: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, knownHosts: ${sshd.knownHostsFile}, key: ${ref} }`;

const FLOW = `flow: nightly
jobs:
  remote:
    host: box
    shell: 'echo "hello over ssh from $ORDO_JOB on port \${SSH_CONNECTION##* }"'
`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Where `text` starts in `yaml`, as line:column (1-based), for the diagnostics' positions. */
function positionOf(yaml: string, text: string, line: number): string {
  return `${line}:${yaml.split('\n')[line - 1]!.indexOf(text) + 1}`;
}

describe('an SSH host whose key is a secret', () => {
  let sshd: Sshd;
  let keys: TempDir;
  let masterKey = '';
  before(async () => {
    sshd = await startSshd();
    keys = tempDir('ordo-master-');
    masterKey = join(keys.path, 'master.key');
  });
  after(async () => {
    await sshd.stop();
    keys.cleanup();
  });

  it('ordo validate checks the secret; a server decrypts it to probe and to run; it is never on disk in clear', { timeout: 120_000 }, async () => {
    const yaml = `hosts:\n${hostLine(sshd, 'box', KEY_REF)}\n`;
    const b = sandbox({ 'ordo.yaml': yaml, 'nightly.yaml': FLOW }, { ORDO_MASTER_KEY_FILE: masterKey, ORDO_SSH_PROBE_MS: '500' });
    let server: CliProcess | undefined;
    try {
      assert.equal((await b.ordo(['secret', 'keygen', masterKey])).code, 0);
      const unset = await b.ordo(['validate']);
      assert.equal(unset.code, 2, unset.stdout);
      assert.match(unset.stdout, new RegExp(`ordo\\.yaml:${positionOf(yaml, KEY_REF, 2)}: ORDO_UNKNOWN_SECRET "key" of host "box" is the secret "box_key", which is not set \\(set it with: ordo secret set box_key --file KEYFILE\\)`));

      const set = await b.ordo(['secret', 'set', 'box_key', '--file', sshd.keyFile]);
      assert.equal(set.code, 0, set.stderr);
      const valid = await b.ordo(['validate']);
      assert.equal(valid.code, 0, valid.stdout + valid.stderr);

      const token = (await b.ordo(['token', 'create', '--name', 'ops', '--role', 'operator'])).stdout.trim().split('\n').at(-1)!;
      const port = await freePort();
      server = b.start(['server', '--listen', `127.0.0.1:${port}`, '--poll', '100'], { timeoutMs: 100_000 });
      await waitFor('the server to listen', async () => (server!.stderr().includes('API listening') ? true : undefined), { seen: () => server!.stderr() });
      const hosts = await b.ordo(['hosts', '--server', `http://127.0.0.1:${port}`, '--token', token, '--json']);
      const [box] = JSON.parse(hosts.stdout) as Array<{ name: string; state: string; reason?: string }>;
      assert.deepEqual([box!.name, box!.state, box!.reason], ['box', 'up', undefined], 'the probe logged in with the secret');
      assert.equal((await b.ordo(['start', 'nightly'])).code, 0);
      await waitFor('the run over SSH to succeed', async () => {
        const show = await b.ordo(['show', '1', '--json']);
        return show.code === 0 && (JSON.parse(show.stdout) as { run: { state: string } }).run.state === 'succeeded' ? true : undefined;
      }, { timeoutMs: 60_000, seen: () => server!.stderr() });
      assert.match((await b.ordo(['logs', '1', 'remote'])).stdout, new RegExp(`hello over ssh from remote on port ${sshd.port}`));
      await server.stop();
      const log = server.stderr();
      server = undefined;

      // Not one line of the key's body in any file of the project or the state directory (the SQLite
      // database and its WAL included), nor in the server's log.
      const body = readFileSync(sshd.keyFile, 'utf8').split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
      assert.ok(body.length > 0);
      for (const file of [...filesUnder(b.project), ...filesUnder(b.home)]) {
        const text = readFileSync(file).toString('latin1');
        for (const line of body) assert.ok(!text.includes(line), `the key is in clear in ${file}`);
      }
      for (const line of body) assert.ok(!log.includes(line), 'the key is in the server log');
    } finally {
      await server?.stop();
      b.cleanup();
    }
  });

  it('a secret that is not a key is refused by ordo validate; an engine without the secret or the key fails the attempt and says why', { timeout: 120_000 }, async () => {
    const yaml = `hosts:\n${hostLine(sshd, 'box', KEY_REF)}\n${hostLine(sshd, 'junk', "'${{ secrets.not_a_key }}'")}\n`;
    const b = sandbox({ 'ordo.yaml': yaml, 'nightly.yaml': FLOW }, { ORDO_MASTER_KEY_FILE: masterKey });
    try {
      writeFileSync(join(b.root.path, 'text'), 'this is not a private key\n');
      assert.equal((await b.ordo(['secret', 'set', 'not_a_key', '--file', join(b.root.path, 'text')])).code, 0);
      assert.equal((await b.ordo(['secret', 'set', 'box_key', '--file', sshd.keyFile])).code, 0);
      const v = await b.ordo(['validate']);
      assert.equal(v.code, 2, v.stdout);
      assert.match(v.stdout, new RegExp(`ordo\\.yaml:${positionOf(yaml, "'${{ secrets.not_a_key", 3)}: ORDO_BAD_VALUE "key" of host "junk" is the secret "not_a_key": secret "not_a_key" is not a private key ssh2 can use`));
      assert.doesNotMatch(v.stdout, /this is not a private key/, 'a secret is never quoted');
      // A key is a file or one secret, not pieces.
      const mixed = `hosts:\n${hostLine(sshd, 'mixed', "'keys/${{ secrets.box_key }}'")}\n`;
      writeFileSync(join(b.project, 'ordo.yaml'), mixed);
      const m = await b.ordo(['validate']);
      assert.equal(m.code, 2, m.stdout);
      assert.match(m.stdout, new RegExp(`ordo\\.yaml:${positionOf(mixed, "'keys/", 2)}: ORDO_BAD_EXPRESSION "key" of host "mixed" must be a key file, or exactly`));

      // Without the master key validate can only see that the secrets are set; an engine cannot log in.
      writeFileSync(join(b.project, 'ordo.yaml'), `hosts:\n${hostLine(sshd, 'box', KEY_REF)}\n`);
      delete b.env.ORDO_MASTER_KEY_FILE;
      assert.equal((await b.ordo(['validate'])).code, 0);
      assert.equal((await b.ordo(['run', 'nightly'])).code, 1);
      assert.match((await b.ordo(['show', '1'])).stdout, /the key of host box \(secret "box_key"\) cannot be decrypted: this engine has no master key/);
      b.env.ORDO_MASTER_KEY_FILE = masterKey;

      // The secret removed after validation: the attempt fails with the reason, nothing ran.
      assert.equal((await b.ordo(['secret', 'rm', 'box_key'])).code, 0);
      assert.equal((await b.ordo(['run', 'nightly'])).code, 1);
      assert.match((await b.ordo(['show', '2'])).stdout, /the key of host box \(secret "box_key"\) is not set \(set it with: ordo secret set box_key --file KEYFILE\)/);
    } finally {
      b.cleanup();
    }
  });
});
