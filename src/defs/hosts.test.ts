import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support/tmp.js';
import { formatDiagnostic } from './diagnostics.js';
import { loadProject } from './load.js';

async function load(files: Record<string, string>) {
  const tmp = tempDir('ordo-hosts-');
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(tmp.path, name), text);
    const result = await loadProject(tmp.path);
    return { ...result, lines: result.diagnostics.map(formatDiagnostic) };
  } finally {
    tmp.cleanup();
  }
}

test('hosts of ordo.yaml and a job placed on one compile to the model', async () => {
  const { project, lines } = await load({
    'ordo.yaml': 'hosts:\n  web1: { address: web1.example, labels: { role: web, tier: 1 }, slots: 2 }\n  db1: {}\n',
    'f.yaml': 'flow: f\njobs:\n  a: { host: web1, shell: "true" }\n  b: { shell: "true" }\n',
  });
  assert.deepEqual(lines, []);
  assert.deepEqual(project!.settings.hosts.get('web1'), {
    name: 'web1', transport: 'agent', address: 'web1.example', labels: { role: 'web', tier: '1' }, slots: 2,
  });
  assert.equal(project!.settings.hosts.get('db1')!.slots, 4);
  const [a, b] = project!.flows.get('f')!.jobs;
  assert.equal(a!.host, 'web1');
  assert.equal(b!.host, undefined);
});

test('an unknown host, a bad transport, zero slots and a host on a noop job are reported where they are', async () => {
  const { project, lines } = await load({
    'ordo.yaml': 'hosts:\n  web1: { transport: scp, slots: 0 }\n  web2: { color: red }\n',
    'f.yaml': 'flow: f\njobs:\n  a: { host: db9, shell: "true" }\n  b: { host: web1, kind: noop }\n',
  });
  assert.equal(project, undefined);
  assert.deepEqual(lines.map((l) => l.replace(/^.*?(\w+\.yaml:\d+:\d+)/, '$1')), [
    'f.yaml:3:3: ORDO_UNKNOWN_HOST job "a" runs on host "db9", which ordo.yaml does not declare (hosts: web1, web2)',
    'f.yaml:4:3: ORDO_BAD_VALUE job "b" of kind noop cannot have a "host": only command jobs run on hosts',
    'ordo.yaml:2:22: ORDO_BAD_VALUE "transport" of host "web1" must be agent or ssh, got "scp"',
    'ordo.yaml:2:34: ORDO_BAD_VALUE "slots" of host "web1" must be at least 1, got 0',
    'ordo.yaml:3:11: ORDO_UNKNOWN_KEY unknown key "color" in host "web2" (allowed: transport, address, labels, slots, description, user, port, key, knownHosts, hostKey)',
  ]);
});

test('a host selector needs a matching host, and excludes host', async () => {
  const hosts = 'hosts:\n  web1: { labels: { role: web } }\n  web2: { labels: { role: web, zone: b } }\n';
  const ok = await load({ 'ordo.yaml': hosts, 'f.yaml': 'flow: f\njobs:\n  a: { hosts: { labels: { role: web } }, shell: "true" }\n' });
  assert.deepEqual(ok.lines, []);
  assert.deepEqual(ok.project!.flows.get('f')!.jobs[0]!.hostSelector, { labels: { role: 'web' } });
  const bad = await load({
    'ordo.yaml': hosts,
    'f.yaml': 'flow: f\njobs:\n  a: { hosts: { labels: { role: db } }, shell: "true" }\n  b: { host: web1, hosts: { labels: { role: web } }, shell: "true" }\n',
  });
  assert.deepEqual(bad.lines.map((l) => l.replace(/^.*?(\w+\.yaml:\d+:\d+)/, '$1')), [
    'f.yaml:3:3: ORDO_NO_HOST_MATCH job "a" runs on a host with labels role=db, and no host of ordo.yaml has them',
    'f.yaml:4:3: ORDO_BAD_VALUE job "b" has both "host" and "hosts": give one host, or a selector',
  ]);
});

test('an SSH host compiles with its key, known_hosts and policy; paths are relative to the project', async () => {
  const tmp = tempDir('ordo-ssh-host-');
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(tmp.path, 'id')], { stdio: 'ignore' });
    writeFileSync(join(tmp.path, 'ordo.yaml'), 'hosts:\n  old1: { transport: ssh, address: old1.example, user: batch, port: 2222, key: id, hostKey: accept-new, knownHosts: kh }\n');
    const { project, diagnostics } = await loadProject(tmp.path);
    assert.deepEqual(diagnostics.map(formatDiagnostic), []);
    assert.deepEqual(project!.settings.hosts.get('old1'), {
      name: 'old1', transport: 'ssh', address: 'old1.example', labels: {}, slots: 4,
      ssh: { user: 'batch', port: 2222, key: join(tmp.path, 'id'), knownHosts: join(tmp.path, 'kh'), hostKey: 'accept-new' },
    });
  } finally {
    tmp.cleanup();
  }
});

test('an SSH host without address or user, with an unreadable key or a bad policy, and SSH keys on an agent, are reported', async () => {
  const { project, lines } = await load({
    'ordo.yaml': [
      'hosts:',
      '  a: { transport: ssh }',
      '  b: { transport: ssh, address: b.example, user: u, key: nokey, hostKey: maybe, knownHosts: none }',
      '  c: { address: c.example, user: u }',
      '  d: { transport: ssh, address: d.example, user: u, key: ordo.yaml }',
      '',
    ].join('\n'),
  });
  assert.equal(project, undefined);
  assert.deepEqual(lines.map((l) => l.replace(/^.*?(\w+\.yaml:\d+:\d+)/, '$1').replace(/\/\S*\//g, '/…/')), [
    'ordo.yaml:2:6: ORDO_MISSING_KEY host "a" has transport: ssh and needs "address"',
    'ordo.yaml:2:6: ORDO_MISSING_KEY host "a" has transport: ssh and needs "user"',
    'ordo.yaml:3:58: ORDO_BAD_VALUE "key" of host "b": cannot read the key file /…/nokey: ENOENT',
    'ordo.yaml:3:74: ORDO_BAD_VALUE "hostKey" of host "b" must be strict or accept-new, got "maybe"',
    'ordo.yaml:3:93: ORDO_BAD_VALUE "knownHosts" of host "b": cannot read /…/none (with hostKey: accept-new it is created)',
    'ordo.yaml:4:28: ORDO_BAD_VALUE "user" of host "c" is for transport: ssh (this host\'s jobs run on its agent)',
    'ordo.yaml:5:58: ORDO_BAD_VALUE "key" of host "d": the key file /…/ordo.yaml is not a private key ssh2 can use: Unsupported key format',
  ]);
});

test('an SSH key may be one secret reference: the secret is named with where it is; pieces are refused', async () => {
  const { project, lines } = await load({
    'ordo.yaml': "hosts:\n  old1: { transport: ssh, address: old1.example, user: batch, key: '${{ secrets.old1_key }}' }\n",
  });
  assert.deepEqual(lines, []);
  const ssh = project!.settings.hosts.get('old1')!.ssh!;
  assert.equal(ssh.key, undefined);
  assert.equal(ssh.keySecret, 'old1_key');
  assert.deepEqual([ssh.keyAt?.line, ssh.keyAt?.column], [2, 68]);
  const bad = await load({
    'ordo.yaml': "hosts:\n  a: { transport: ssh, address: a, user: u, key: 'k/${{ secrets.x }}' }\n  b: { transport: ssh, address: b, user: u, key: '${{ params.x }}' }\n  c: { transport: ssh, address: c, user: u, key: '${{ secrets }}' }\n",
  });
  assert.deepEqual(bad.lines.map((l) => l.replace(/^.*?(\w+\.yaml:\d+:\d+)/, '$1')), [
    'ordo.yaml:2:50: ORDO_BAD_EXPRESSION "key" of host "a" must be a key file, or exactly ${{ secrets.NAME }} (a private key stored with ordo secret set NAME --file KEYFILE), got "k/${{ secrets.x }}"',
    'ordo.yaml:3:50: ORDO_BAD_EXPRESSION "key" of host "b" must be a key file, or exactly ${{ secrets.NAME }} (a private key stored with ordo secret set NAME --file KEYFILE), got "${{ params.x }}"',
    'ordo.yaml:4:50: ORDO_BAD_EXPRESSION "key" of host "c": ${{ secrets }}: write secrets.NAME',
  ]);
});
