import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBatchText } from './batch.js';
import { formatDiagnostic } from './diagnostics.js';
import type { HostDef } from './model.js';

const HOSTS = new Map<string, HostDef>(['web1', 'web2', 'web3', 'web4', 'db1', 'bsd1'].map((name) => [name, {
  name, transport: 'agent', slots: 4,
  labels: { role: name.startsWith('db') ? 'db' : name.startsWith('bsd') ? 'edge' : 'web', os: name.startsWith('bsd') ? 'freebsd' : 'linux' },
}]));

const read = (text: string) => {
  const r = readBatchText('batches/b.yaml', text, HOSTS);
  return { plan: r.plan, lines: r.diagnostics.list.map(formatDiagnostic) };
};

test('explicit groups, a command map by host, label, os and default, and a percentage threshold', () => {
  const { plan, lines } = read(`batch: deploy
rollout: { groups: [[web1, web2], [db1, bsd1], [web3]] }
maxFailures: 50%
timeout: 30s
env: { RELEASE: "42" }
commands:
  default: { shell: 'echo default' }
  os: { freebsd: { command: [echo, bsd] } }
  labels: { role=db: { shell: 'echo db', timeout: 1m } }
  hosts: { web2: { shell: 'echo web2', env: { X: y } } }
`);
  assert.deepEqual(lines, []);
  assert.deepEqual(plan!.groups, [['web1', 'web2'], ['db1', 'bsd1'], ['web3']]);
  assert.deepEqual(plan!.threshold, { kind: 'percent', percent: 50 });
  assert.deepEqual(plan!.commands.web1, { command: { kind: 'shell', script: 'echo default', shell: ['/bin/sh', '-c'] }, env: { RELEASE: '42' }, timeoutMs: 30_000, rule: { kind: 'default' } });
  assert.deepEqual(plan!.commands.web2!.env, { RELEASE: '42', X: 'y' });
  assert.deepEqual(plan!.commands.web2!.rule, { kind: 'host' });
  assert.deepEqual([plan!.commands.db1!.rule, plan!.commands.db1!.timeoutMs], [{ kind: 'label', label: 'role=db' }, 60_000]);
  assert.deepEqual(plan!.commands.bsd1!.command, { kind: 'argv', argv: ['echo', 'bsd'] });
  assert.deepEqual(plan!.commands.bsd1!.rule, { kind: 'os', os: 'freebsd' });
});

test('parallel over a selector cuts the matching hosts, in ordo.yaml order, into groups; the threshold defaults to 0', () => {
  const { plan, lines } = read('batch: web\nhosts: { labels: { role: web } }\nrollout: { parallel: 3 }\ncommands: { default: { command: ["true"] } }\n');
  assert.deepEqual(lines, []);
  assert.deepEqual(plan!.groups, [['web1', 'web2', 'web3'], ['web4']]);
  assert.deepEqual(plan!.threshold, { kind: 'count', max: 0 });
  const all = read('batch: all\nhosts: [db1, web1]\nmaxFailures: 1\ncommands: { default: { shell: "true" } }\n');
  assert.deepEqual(all.plan!.groups, [['db1', 'web1']]);
});

test('bad input: every problem at file:line:column', () => {
  const { plan, lines } = read(`batch: bad
rollout:
  groups:
    - [web1, web9]
    - []
    - [web2, web1]
maxFailures: lots
commands:
  hosts: { nope: { shell: x } }
  labels: { role: { shell: x } }
  default: { shell: 'x', command: [y] }
`);
  assert.equal(plan, undefined);
  assert.deepEqual(lines, [
    'batches/b.yaml:4:14: ORDO_UNKNOWN_HOST host "web9" in group 1 of "rollout.groups" is not declared in ordo.yaml (hosts: web1, web2, web3, web4, db1, bsd1)',
    'batches/b.yaml:5:7: ORDO_BAD_VALUE group 2 of "rollout.groups" is empty: give its hosts, or remove it',
    'batches/b.yaml:6:14: ORDO_BAD_VALUE host "web1" is in group 1 and group 3 of "rollout.groups": a host runs once per batch',
    'batches/b.yaml:7:14: ORDO_BAD_VALUE "maxFailures" must be a count (0, 1, 2, ...) or a percentage of the hosts ("10%", at most 100%), got "lots"',
    'batches/b.yaml:9:12: ORDO_UNKNOWN_HOST "commands.hosts.nope": host "nope" is not declared in ordo.yaml',
    'batches/b.yaml:10:13: ORDO_BAD_VALUE "commands.labels.role": a label is written key=value, such as role=db',
    'batches/b.yaml:11:12: ORDO_BAD_VALUE "commands.default" has both "command" and "shell": give one',
  ]);
});

test('a selector matching nothing, a host without a command, 101%, hosts with groups, a missing command map', () => {
  assert.deepEqual(read('batch: x\nhosts: { labels: { role: cache } }\ncommands: { default: { shell: "true" } }\n').lines,
    ['batches/b.yaml:2:18: ORDO_NO_HOST_MATCH "hosts" selects the hosts labelled role=cache, and no host of ordo.yaml is']);
  assert.deepEqual(read('batch: x\nhosts: [web1, db1]\ncommands: { hosts: { web1: { shell: "true" } } }\n').lines,
    ['batches/b.yaml:3:1: ORDO_NO_COMMAND no entry of "commands" matches host db1: add "commands.default"']);
  assert.deepEqual(read('batch: x\nhosts: [web1]\nmaxFailures: 101%\ncommands: { default: { shell: "true" } }\n').lines,
    ['batches/b.yaml:3:14: ORDO_BAD_VALUE "maxFailures" must be a count (0, 1, 2, ...) or a percentage of the hosts ("10%", at most 100%), got "101%"']);
  assert.deepEqual(read('batch: x\nhosts: [web1]\nrollout: { groups: [[web2]] }\ncommands: { default: { shell: "true" } }\n').lines,
    ['batches/b.yaml:2:1: ORDO_BAD_VALUE "hosts" and "rollout.groups" together: the groups name the hosts, give only them']);
  assert.deepEqual(read('batch: x\nhosts: [web1, web1]\n').lines, [
    'batches/b.yaml:1:1: ORDO_MISSING_KEY a batch needs "commands" (at least "commands.default")',
    'batches/b.yaml:2:15: ORDO_BAD_VALUE host "web1" is in "hosts" twice: a host runs once per batch',
  ]);
});
