/** Templates carrying every job attribute with their merge rules, and variables (`vars:`, `${{ vars.NAME }}`). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadFiles } from '../../test/support/load-files.js';
import { JOB_KEYS, JOB_ONLY_KEYS } from './spec.js';
import { resolveVars } from './vars.js';
import { flowFingerprint } from './version.js';

const load = loadFiles;

/** A template with every attribute a template may carry but command, host and connector. */
const ALL = [
  '  all:',
  '    kind: command', '    shell: "true"', '    cwd: "${{ vars.dir }}"', '    env: { A: "1" }', '    timeout: 1m', '    killGrace: 2s',
  '    retries: 1', '    successCodes: [0, 3]', '    enabled: false', '    description: every attribute', '    locks: [l1]',
  '    priority: 5', '    deadline: "06:00"', '    maxLoad: 2', '    estimate: 5m', '    hosts: { labels: { role: db } }',
  '    limits: { memory: 64MiB }', '    latestStart: "05:00"', '    handlers: [{ on: failure, shell: "true" }]',
];

test('a template may carry every job attribute but after, workflow and input', async () => {
  const { lines } = await load({
    'ordo.yaml': 'hosts:\n  db1: { labels: { role: db } }\nvars: { dir: /tmp }\n',
    'lib/t.yaml': [
      'templates:',
      ...ALL,
      '  placement: { host: db1 }',
      '  jobonly: { after: [x], workflow: w, input: {} }', '',
    ].join('\n'),
    'f.yaml': 'flow: f\njobs:\n  a: { extends: all }\n  b: { extends: placement, shell: "true" }\n',
  });
  // The allowed list is every job key but the job-only ones, so a new job attribute (a job kind's block) is allowed too.
  const allowed = JOB_KEYS.filter((k) => !JOB_ONLY_KEYS.includes(k)).join(', ');
  assert.ok(allowed.includes('latestStart, handlers') && !allowed.includes('after'));
  assert.deepEqual(lines, [
    `lib/t.yaml:23:14: ORDO_UNKNOWN_KEY unknown key "after" in template "jobonly" (allowed: ${allowed})`,
    `lib/t.yaml:23:26: ORDO_UNKNOWN_KEY unknown key "workflow" in template "jobonly" (allowed: ${allowed})`,
    `lib/t.yaml:23:39: ORDO_UNKNOWN_KEY unknown key "input" in template "jobonly" (allowed: ${allowed})`,
  ]);
});

test('templates merge mappings key by key (env, limits, retries, host labels) and replace lists and values', async () => {
  const { project, lines } = await load({
    'ordo.yaml': [
      'hosts:', '  db1: { labels: { role: db, zone: a } }', '  db2: { labels: { role: db, zone: b } }',
      'templates:',
      '  base:',
      '    shell: "run"', '    env: { A: base, B: base }', '    limits: { memory: 512MiB, nofile: 1024 }',
      '    retries: { count: 2, delay: 30s, backoff: 2 }', '    successCodes: [0, 1]', '    locks: [l1, l2]',
      '    hosts: { labels: { role: db } }', '    handlers: [{ on: failure, shell: "page" }]', '    priority: 7',
      '  mid: { extends: base, limits: { cpu: 1.5 }, retries: 5, env: { B: mid } }', '',
    ].join('\n'),
    'f.yaml': [
      'flow: f', 'jobs:',
      '  a: { extends: mid, limits: { nofile: 64 }, retries: { delay: 1s }, successCodes: [0], locks: [l3], hosts: { labels: { zone: b } }, handlers: [{ on: success, shell: "ok" }] }',
      '  b: { extends: mid, host: db1 }',
      '  c: { extends: base, retries: 0, priority: 0 }', '',
    ].join('\n'),
  });
  assert.deepEqual(lines, []);
  const [a, b, c] = project!.flows.get('f')!.jobs;
  assert.deepEqual(a!.env, { A: 'base', B: 'mid' });
  assert.deepEqual(a!.limits, { memoryBytes: 512 * 1024 ** 2, nofile: 64, cpu: 1.5 });
  assert.deepEqual(a!.retry, { retries: 5, delayMs: 1000, backoff: 2, maxDelayMs: 3_600_000 });
  assert.deepEqual(a!.successCodes, [0]);
  assert.deepEqual(a!.locks.map((l) => l.name), ['l3']);
  assert.deepEqual(a!.hostSelector, { labels: { role: 'db', zone: 'b' } });
  assert.deepEqual(a!.handlers!.map((h) => h.action), [{ kind: 'shell', script: 'ok' }]);
  assert.equal(a!.priority, 7);
  assert.deepEqual([b!.host, b!.hostSelector], ['db1', undefined], 'a nearer host replaces a farther selector');
  assert.deepEqual(b!.successCodes, [0, 1]);
  assert.deepEqual([c!.retry.retries, c!.retry.delayMs, c!.priority], [0, 30_000, 0]);
});

test('variables: the project\'s, the flow\'s over them, referenced in job text; unknown ones reported where written', async () => {
  const { project, lines } = await load({
    'ordo.yaml': 'vars:\n  region: eu\n  batch: 500\n  bucket: "s3://data-${region}"\n',
    'f.yaml': [
      'flow: f', 'vars: { region: us, tier: gold }', 'jobs:',
      '  a: { command: [load, "--region=${{ vars.region }}", "${{ vars.batch }}"], env: { TIER: "${{ vars.tier }}" }, cwd: "/data/${{ vars.region }}" }', '',
    ].join('\n'),
    'g.yaml': 'flow: g\njobs:\n  a: { shell: "echo ${{ vars.region }} ${{ vars.bucket }}" }\n',
  });
  assert.deepEqual(lines, []);
  const f = project!.flows.get('f')!;
  assert.deepEqual(f.vars, { region: 'us', batch: '500', bucket: 's3://data-${region}', tier: 'gold' });
  assert.deepEqual(f.jobs[0]!.command, { kind: 'argv', argv: ['load', '--region=${{ vars.region }}', '${{ vars.batch }}'] });
  assert.deepEqual(project!.flows.get('g')!.vars, { region: 'eu', batch: '500', bucket: 's3://data-${region}' });
  assert.equal(project!.settings.vars.region, 'eu');

  const bad = await load({
    'ordo.yaml': 'vars:\n  region: eu\n  1st: x\n  list: [a]\n  secret: "${{ secrets.X }}"\n',
    'g.yaml': 'flow: g\njobs:\n  a: { shell: "echo ${{ vars.tier }} ${{ vars.regoin }}", env: { X: "${{ vars.a.b }}" } }\n',
  });
  assert.equal(bad.project, undefined);
  assert.deepEqual(bad.lines, [
    'g.yaml:3:15: ORDO_UNKNOWN_VAR ${{ vars.tier }} in job "a": neither flow "g" nor ordo.yaml has variable "tier" (variables: region)',
    'g.yaml:3:15: ORDO_UNKNOWN_VAR ${{ vars.regoin }} in job "a": neither flow "g" nor ordo.yaml has variable "regoin" (did you mean \'region\'?) (variables: region)',
    'g.yaml:3:69: ORDO_BAD_EXPRESSION env X of job "a": ${{ vars.a.b }}: write vars.NAME',
    'ordo.yaml:3:3: ORDO_BAD_VALUE variable name "1st" of ordo.yaml must start with a letter and hold only letters, digits, "_" or "-"',
    'ordo.yaml:4:9: ORDO_BAD_TYPE variable "list" of ordo.yaml must be text (a number or true/false is taken as its text), got a list',
    'ordo.yaml:5:11: ORDO_BAD_VALUE variable "secret" of ordo.yaml holds "${{": a variable is plain text, not an expression (a job names secrets, params or results itself)',
  ]);
});

test('a flow\'s version changes with its variables; a run\'s variables are resolved with its overrides', async () => {
  const one = await load({ 'ordo.yaml': 'vars: { region: eu }\n', 'f.yaml': 'flow: f\njobs:\n  a: { shell: "echo ${{ vars.region }}" }\n' });
  const two = await load({ 'ordo.yaml': 'vars: { region: us }\n', 'f.yaml': 'flow: f\njobs:\n  a: { shell: "echo ${{ vars.region }}" }\n' });
  const [f1, f2] = [one.project!.flows.get('f')!, two.project!.flows.get('f')!];
  assert.notEqual(flowFingerprint(f1), flowFingerprint(f2));

  assert.deepEqual(resolveVars(f1, {}), { values: { region: 'eu' }, errors: [] });
  assert.deepEqual(resolveVars(f1, { region: 'ap', }), { values: { region: 'ap' }, errors: [] });
  assert.deepEqual(resolveVars(f1, { regon: 'ap', region: 'a\0b', n: { x: 1 } }).errors, [
    'flow "f" has no variable "regon" (did you mean \'region\'?) (variables: region)',
    'variable "region" holds a NUL byte (\\0) at offset 1: a job\'s command line and environment cannot carry one',
    'flow "f" has no variable "n" (variables: region)',
  ]);
  assert.deepEqual(resolveVars({ name: 'x' }, { a: '1' }).errors, ['flow "x" has no variable "a" (variables: none)']);
});

test('a job built on a template carrying every attribute has each of them', async () => {
  const { project, lines } = await load({
    'ordo.yaml': 'hosts:\n  db1: { labels: { role: db } }\nvars: { dir: /tmp }\n',
    'lib/t.yaml': [
      'templates:',
      ...ALL, '',
    ].join('\n'),
    'f.yaml': 'flow: f\njobs:\n  a: { extends: all }\n',
  });
  assert.deepEqual(lines, []);
  const a = project!.flows.get('f')!.jobs[0]!;
  assert.deepEqual([a.kind, a.command?.kind, a.cwd, a.env, a.timeoutMs, a.killGraceMs, a.retry.retries, a.successCodes, a.enabled, a.description],
    ['command', 'shell', '${{ vars.dir }}', { A: '1' }, 60_000, 2_000, 1, [0, 3], false, 'every attribute']);
  assert.deepEqual([a.locks.map((l) => l.name), a.priority, a.deadline?.text, a.maxLoad, a.estimateMs, a.hostSelector, a.limits, a.latestStart?.text, a.handlers?.length],
    [['l1'], 5, '06:00', 2, 300_000, { labels: { role: 'db' } }, { memoryBytes: 64 * 1024 ** 2 }, '05:00', 1]);
});
