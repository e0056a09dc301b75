import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support/tmp.js';
import { formatDiagnostic } from './diagnostics.js';
import { loadProject } from './load.js';

async function load(files: Record<string, string>) {
  const tmp = tempDir('ordo-singleton-');
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(tmp.path, name), text);
    const result = await loadProject(tmp.path);
    return { ...result, lines: result.diagnostics.map(formatDiagnostic).map((l) => l.replace(/^.*?(\w+\.yaml:\d+:\d+)/, '$1')) };
  } finally {
    tmp.cleanup();
  }
}

const HOSTS = 'hosts:\n  a1: { labels: { role: app } }\n  a2: { labels: { role: app } }\n  db1: { labels: { role: db } }\n';

test('a singleton flow places its command jobs under the flow lease, on the hosts of on:', async () => {
  const { project, lines } = await load({
    'ordo.yaml': HOSTS,
    'f.yaml': 'flow: f\non: { hosts: [a2, a1] }\nsingleton: true\njobs:\n  a: { shell: "true" }\n  b: { kind: noop, after: [a] }\n',
    'g.yaml': 'flow: g\non: { labels: { role: app } }\nsingleton: true\njobs:\n  a: { shell: "true" }\n',
  });
  assert.deepEqual(lines, []);
  const [a, b] = project!.flows.get('f')!.jobs;
  assert.deepEqual(a!.singleton, { lease: 'flow:f', hosts: ['a2', 'a1'] });
  assert.equal(b!.singleton, undefined, 'only command jobs run on hosts');
  assert.deepEqual(project!.flows.get('g')!.jobs[0]!.singleton, { lease: 'flow:g', hosts: ['a1', 'a2'] });
});

test('bad singleton input is reported where it is written', async () => {
  const { project, lines } = await load({
    'ordo.yaml': HOSTS,
    'f.yaml': 'flow: f\non: { hosts: [a1, web9] }\nsingleton: true\njobs:\n  a: { shell: "true" }\n',
    'g.yaml': 'flow: g\non: { labels: { role: cache } }\nsingleton: true\njobs:\n  a: { shell: "true" }\n',
    'h.yaml': 'flow: h\nsingleton: true\njobs:\n  a: { shell: "true" }\n',
    'i.yaml': 'flow: i\non: { hosts: [a1] }\njobs:\n  a: { shell: "true" }\n',
    'j.yaml': 'flow: j\non: { hosts: [a1] }\nsingleton: true\njobs:\n  a: { host: a2, shell: "true" }\n',
    'k.yaml': 'flow: k\non: { hosts: [a1], labels: { role: app } }\nsingleton: true\njobs:\n  a: { shell: "true" }\n',
  });
  assert.equal(project, undefined);
  assert.deepEqual(lines, [
    'f.yaml:2:19: ORDO_UNKNOWN_HOST flow "f" runs on host "web9", which ordo.yaml does not declare (hosts: a1, a2, db1)',
    'g.yaml:2:15: ORDO_NO_HOST_MATCH flow "g" runs on a host with labels role=cache, and no host of ordo.yaml has them',
    'h.yaml:2:1: ORDO_MISSING_KEY flow "h" is a singleton and needs "on": the hosts allowed to run it (on: { hosts: [a, b] } or on: { labels: { role: x } })',
    'i.yaml:2:1: ORDO_BAD_VALUE "on" of flow "i" is for singleton flows: add "singleton: true" (or give each job its own "host" or "hosts")',
    'j.yaml:5:3: ORDO_BAD_VALUE job "a" of singleton flow "j" names its own host: the flow\'s "on" and its lease place every command job',
    'k.yaml:2:5: ORDO_BAD_VALUE "on" of flow "k" needs exactly one of "hosts" (a list) or "labels" (a selector)',
  ]);
});
