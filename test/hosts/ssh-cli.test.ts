/**
 * SSH hosts through the CLI, against a real OpenSSH server on loopback (docs/hosts.md): `ordo run` runs a
 * flow on an SSH host itself (no agent, no server), a wrong key fails the attempt with its reason in `ordo
 * show`; a server probes its SSH hosts, so `ordo hosts` and `ordo why` say why one is down, and resume
 * the job once a probe finds the host up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sandbox, waitFor } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { startSshd, type Sshd } from '../support/sshd.js';

const hostsYaml = (sshd: Sshd, port = sshd.port, key = sshd.keyFile) => `hosts:
  box: { transport: ssh, address: 127.0.0.1, port: ${port}, user: ${sshd.user}, key: ${key}, knownHosts: ${sshd.knownHostsFile}, labels: { role: old } }
`;

const FLOW = `flow: nightly
jobs:
  remote:
    host: box
    shell: 'echo "hello from $(hostname) as $ORDO_JOB"; echo "{\\"rows\\": 7}" > "$ORDO_RESULT"'
  any:
    hosts: { labels: { role: old } }
    after: [remote]
    command: [echo, picked]
  here:
    after: [any]
    shell: 'echo local'
`;

describe('jobs on SSH hosts through the CLI', () => {
  let sshd: Sshd;
  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    await sshd.stop();
  });

  it('ordo validate accepts the host; ordo run runs the flow over SSH without a server', { timeout: 60_000 }, async () => {
    const b = sandbox({ 'ordo.yaml': hostsYaml(sshd), 'nightly.yaml': FLOW });
    try {
      const v = await b.ordo(['validate']);
      assert.equal(v.code, 0, v.stderr);
      const r = await b.ordo(['run', 'nightly', '--json']);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const show = JSON.parse((await b.ordo(['show', '1', '--json'])).stdout) as { tasks: Array<{ job: string; state: string; result: unknown }> };
      assert.deepEqual(show.tasks.map((t) => [t.job, t.state]), [['remote', 'succeeded'], ['any', 'succeeded'], ['here', 'succeeded']]);
      assert.deepEqual(show.tasks[0]!.result, { rows: 7 });
      assert.match((await b.ordo(['logs', '1', 'remote'])).stdout, /hello from .* as remote/);
      assert.match((await b.ordo(['logs', '1', 'any'])).stdout, /picked/);
    } finally {
      b.cleanup();
    }
  });

  it('a wrong key fails the attempt, and ordo show says why', { timeout: 60_000 }, async () => {
    const b = sandbox({ 'ordo.yaml': hostsYaml(sshd, sshd.port, sshd.otherKeyFile), 'nightly.yaml': FLOW });
    try {
      const r = await b.ordo(['run', 'nightly']);
      assert.equal(r.code, 1, r.stderr);
      const show = await b.ordo(['show', '1']);
      assert.match(show.stdout, /authentication failed for .*@127\.0\.0\.1:\d+ with key .*other_ed25519/);
    } finally {
      b.cleanup();
    }
  });

  it('a server closes an SSH host its probe cannot reach: ordo hosts and ordo why say why', { timeout: 60_000 }, async () => {
    const dead = await freePort();
    const b = sandbox({ 'ordo.yaml': hostsYaml(sshd, dead), 'nightly.yaml': FLOW }, { ORDO_SSH_PROBE_MS: '200' });
    const created = await b.ordo(['token', 'create', '--name', 'ops', '--role', 'operator']);
    const token = created.stdout.trim().split('\n').at(-1)!;
    const port = await freePort();
    const server = b.start(['server', '--listen', `127.0.0.1:${port}`, '--poll', '100'], { timeoutMs: 60_000 });
    try {
      await waitFor('the server to listen', async () => (server.stderr().includes('API listening') ? true : undefined), { seen: () => server.stderr() });
      const hosts = await b.ordo(['hosts', '--server', `http://127.0.0.1:${port}`, '--token', token, '--json']);
      assert.equal(hosts.code, 0, hosts.stderr);
      const [box] = JSON.parse(hosts.stdout) as Array<{ name: string; transport: string; state: string; reason?: string }>;
      assert.deepEqual([box!.name, box!.transport, box!.state], ['box', 'ssh', 'down']);
      assert.match(box!.reason ?? '', new RegExp(`host down: connection to .*@127\\.0\\.0\\.1:${dead} refused`));
      const table = await b.ordo(['hosts', '--server', `http://127.0.0.1:${port}`, '--token', token]);
      assert.match(table.stdout, /box\s+ssh 127\.0\.0\.1\s+down/);
      assert.equal((await b.ordo(['start', 'nightly'])).code, 0);
      const why = await waitFor('ordo why to name the host', async () => {
        const r = await b.ordo(['why', '1', 'remote']);
        return /host down: connection to .* refused/.test(r.stdout) ? r.stdout : undefined;
      }, { seen: () => server.stderr() });
      assert.match(why, /box/);
    } finally {
      await server.stop();
      b.cleanup();
    }
  });
});
