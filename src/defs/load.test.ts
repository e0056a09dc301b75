import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadFiles } from '../../test/support/load-files.js';
import { loadProject } from './load.js';
import { flowFingerprint } from './version.js';

const load = loadFiles;

const NIGHTLY = `flow: nightly
params:
  business_date: { type: string, default: "2026-01-01" }
jobs:
  extract: { command: [sh, -c, "echo extracting"] }
  load:    { shell: "echo loading", after: [extract] }
  cleanup: { shell: "echo cleanup", after: [{ load: failed }] }
  report:  { shell: "echo report", after: [{ any: [load, cleanup] }] }
`;

test('the documented flow shape compiles to the model', async () => {
  const { project, lines } = await load({ 'ordo.yaml': 'maxParallel: 4\n', 'flows/nightly.yaml': NIGHTLY });
  assert.deepEqual(lines, []);
  assert.equal(project!.settings.maxParallel, 4);
  const flow = project!.flows.get('nightly')!;
  assert.equal(flow.file, 'flows/nightly.yaml');
  assert.deepEqual(flow.params, [{ name: 'business_date', type: 'string', required: false, default: '2026-01-01' }]);
  assert.deepEqual(flow.jobs.map((j) => j.name), ['extract', 'load', 'cleanup', 'report']);
  const [extract, load_, cleanup, report] = flow.jobs;
  assert.deepEqual(extract!.command, { kind: 'argv', argv: ['sh', '-c', 'echo extracting'] });
  assert.deepEqual(load_!.command, { kind: 'shell', script: 'echo loading', shell: ['/bin/sh', '-c'] });
  assert.deepEqual(load_!.after.map((d) => d.kind === 'job' && [d.ref.job, d.ref.states]), [['extract', ['succeeded']]]);
  assert.deepEqual(cleanup!.after.map((d) => d.kind === 'job' && [d.ref.job, d.ref.states]), [['load', ['failed']]]);
  const any = report!.after[0]!;
  assert.equal(any.kind, 'any');
  assert.deepEqual(any.kind === 'any' && any.members.map((m) => m.job), ['load', 'cleanup']);
  assert.deepEqual(extract!.at, { file: 'flows/nightly.yaml', line: 5, column: 3 });
});

test('job attributes: durations, retries, env, success codes, kinds', async () => {
  const { project, lines } = await load({
    'f.yaml': `flow: f
jobs:
  a:
    command: [prog, 1, true]
    cwd: sub
    env: { N: 3, FLAG: true, S: x }
    timeout: 1h30m
    killGrace: 500ms
    retries: { count: 2, delay: 30s, backoff: 2, maxDelay: 5m }
    successCodes: [0, 3]
    enabled: false
    description: first
  b: { kind: noop, retries: 4, timeout: 90 }
`,
  });
  assert.deepEqual(lines, []);
  const [a, b] = project!.flows.get('f')!.jobs;
  assert.deepEqual(a!.command, { kind: 'argv', argv: ['prog', '1', 'true'] });
  assert.deepEqual(a!.env, { N: '3', FLAG: 'true', S: 'x' });
  assert.equal(a!.timeoutMs, 5_400_000);
  assert.equal(a!.killGraceMs, 500);
  assert.deepEqual(a!.retry, { retries: 2, delayMs: 30_000, backoff: 2, maxDelayMs: 300_000 });
  assert.deepEqual(a!.successCodes, [0, 3]);
  assert.equal(a!.enabled, false);
  assert.equal(a!.cwd, 'sub');
  assert.equal(b!.kind, 'noop');
  assert.equal(b!.command, undefined);
  assert.equal(b!.retry.retries, 4);
  assert.equal(b!.timeoutMs, 90_000);
  assert.equal(b!.killGraceMs, 5_000);
});

test('templates: inheritance chains, env merging, nearest command wins', async () => {
  const { project, lines } = await load({
    'ordo.yaml': `templates:
  base: { retries: 2, env: { A: base, B: base }, timeout: 10s }
  step: { extends: base, env: { B: step }, command: [run-step] }
`,
    'lib/more.yaml': 'templates:\n  quick: { timeout: 1s, kind: noop }\n',
    'f.yaml': `flow: f
jobs:
  a: { extends: step, env: { C: job } }
  b: { extends: step, shell: "echo b", timeout: 20s }
  c: { extends: quick }
`,
  });
  assert.deepEqual(lines, []);
  const [a, b, c] = project!.flows.get('f')!.jobs;
  assert.deepEqual(a!.env, { A: 'base', B: 'step', C: 'job' });
  assert.deepEqual(a!.extends, ['step', 'base']);
  assert.deepEqual(a!.command, { kind: 'argv', argv: ['run-step'] });
  assert.equal(a!.retry.retries, 2);
  assert.equal(a!.timeoutMs, 10_000);
  assert.deepEqual(b!.command, { kind: 'shell', script: 'echo b', shell: ['/bin/sh', '-c'] });
  assert.equal(b!.timeoutMs, 20_000);
  assert.equal(c!.kind, 'noop');
});

test('every problem is reported at once, each at file:line:column with its code', async () => {
  const { project, lines } = await load({
    'ordo.yaml': 'maxParallel: zero\ncolour: blue\ntemplates:\n  t1: { extends: t2 }\n  t2: { extends: t1 }\n',
    'bad.yaml': `flow: bad
params:
  day: { type: date }
jobs:
  a: { command: [echo, "\${{ params.missing }}"], timeout: soon }
  b: { shell: "x", after: [nosuch, { a: finished }] }
  c: { extends: nothere }
  d: { shell: "\${{ jobs.a.outcome }}", after: [d] }
  e: { shell: "x", after: [f], colour: red }
  f: { shell: "x", after: [e] }
  g: { retries: many, shell: "\${{ kv.k }} \${{ run.id }}" }
`,
    'broken.yaml': 'flow: x\njobs: [\n',
  });
  assert.equal(project, undefined);
  const expected = [
    'bad.yaml:3:16: ORDO_BAD_VALUE',
    'bad.yaml:5:24: ORDO_UNKNOWN_PARAM',
    'bad.yaml:5:59: ORDO_BAD_TYPE',
    'bad.yaml:6:28: ORDO_UNKNOWN_JOB',
    'bad.yaml:6:41: ORDO_BAD_VALUE',
    'bad.yaml:7:17: ORDO_UNKNOWN_TEMPLATE',
    'bad.yaml:8:15: ORDO_BAD_EXPRESSION',
    'bad.yaml:8:48: ORDO_SELF_DEPENDENCY',
    'bad.yaml:9:32: ORDO_UNKNOWN_KEY',
    'bad.yaml:10:28: ORDO_CYCLE',
    'bad.yaml:11:17: ORDO_BAD_TYPE',
    'broken.yaml:3:1: ORDO_YAML_SYNTAX',
    'ordo.yaml:1:14: ORDO_BAD_TYPE',
    'ordo.yaml:2:1: ORDO_UNKNOWN_KEY',
    'ordo.yaml:4:18: ORDO_TEMPLATE_CYCLE',
    'ordo.yaml:5:18: ORDO_TEMPLATE_CYCLE',
  ];
  assert.deepEqual(lines.map((l) => l.split(' ').slice(0, 2).join(' ')), expected, lines.join('\n'));
  assert.match(lines.find((l) => l.includes('ORDO_CYCLE'))!, /f -> e -> f|e -> f -> e/);
  assert.match(lines.find((l) => l.includes('UNKNOWN_PARAM'))!, /no parameter "missing"/);
});

test('duplicate flows and bad names are refused; a missing directory is one diagnostic', async () => {
  const dup = await load({ 'a.yaml': 'flow: f\njobs: { x: { kind: noop } }\n', 'b.yaml': 'flow: f\njobs: { y: { kind: noop } }\n' });
  assert.deepEqual(dup.lines, ['b.yaml:1:7: ORDO_DUPLICATE_FLOW flow "f" is already declared in a.yaml']);
  const missing = await loadProject('/nonexistent/ordo-project');
  assert.equal(missing.diagnostics[0]!.code, 'ORDO_NO_PROJECT');
  const noCmd = await load({ 'a.yaml': 'flow: f\njobs:\n  x: { cwd: / }\n' });
  assert.deepEqual(noCmd.lines.map((l) => l.split(' ')[1]), ['ORDO_NO_COMMAND']);
});

test('a result read from a job that is not upstream is a warning, not an error', async () => {
  const { project, diagnostics } = await load({
    'f.yaml': 'flow: f\njobs:\n  a: { shell: "x" }\n  b: { shell: "echo ${{ jobs.a.result.n }}" }\n',
  });
  assert.ok(project);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [['ORDO_NOT_UPSTREAM', 'warning']]);
});

test('the fingerprint changes with what runs, not with formatting', async () => {
  const one = await load({ 'f.yaml': 'flow: f\njobs:\n  a: { shell: "x" }\n' });
  // Below ordo.yaml, a flow file may live in any folder.
  const two = await load({ 'ordo.yaml': '', 'g/h.yaml': '# moved\nflow: f\njobs:\n\n  a:\n    shell: x\n' });
  const three = await load({ 'f.yaml': 'flow: f\njobs:\n  a: { shell: "y" }\n' });
  const fp = (r: typeof one) => flowFingerprint(r.project!.flows.get('f')!);
  assert.equal(fp(one), fp(two));
  assert.notEqual(fp(one), fp(three));
});

test('a duplicate key is reported at its second occurrence', async () => {
  const { project, lines } = await load({ 'f.yaml': 'flow: f\njobs:\n  a: { kind: noop }\n  b: { kind: noop }\n  a: { shell: x }\n' });
  assert.equal(project, undefined);
  assert.deepEqual(lines, ['f.yaml:5:3: ORDO_YAML_SYNTAX duplicate key "a" in a mapping']);
});

test('a flow written as "workflow: NAME" is one job of kind workflow; mixing it with jobs is refused at its place', async () => {
  const good = await load({
    'ordo.yaml': '',
    'flows/prov.yaml': 'flow: prov\nparams:\n  host: { type: string, default: a }\nworkflow: prov.vhost\ninput: { host: "${{ params.host }}", n: 2 }\ntriggers:\n  - cron: "0 6 * * *"\n',
  });
  assert.deepEqual(good.lines, []);
  const flow = good.project!.flows.get('prov')!;
  assert.deepEqual(flow.jobs.map((j) => [j.name, j.kind, j.workflow, j.input]), [['workflow', 'workflow', 'prov.vhost', { host: '${{ params.host }}', n: 2 }]]);
  assert.equal(flow.schedule?.triggers.length, 1);
  const bad = await load({
    'ordo.yaml': '',
    'flows/a.yaml': 'flow: a\nworkflow: w\njobs:\n  x: { kind: noop }\n',
    'flows/b.yaml': 'flow: b\ninput: { x: 1 }\njobs:\n  x: { kind: noop }\n',
    'flows/c.yaml': 'flow: c\nworkflow: w\ninput: { x: "${{ params.nope }}" }\n',
  });
  assert.equal(bad.project, undefined);
  assert.deepEqual(bad.lines, [
    'flows/a.yaml:2:1: ORDO_BAD_VALUE flow "a" has both "jobs" and "workflow": a flow either lists jobs or runs one workflow',
    'flows/b.yaml:2:1: ORDO_BAD_VALUE "input" of flow "b" is only for a flow that runs a workflow ("workflow: NAME")',
    'flows/c.yaml:3:13: ORDO_UNKNOWN_PARAM ${{ params.nope }} in job "workflow": flow "c" has no parameter "nope" (parameters: none)',
  ]);
});

test('a file with jobs but no "flow:" (a misspelt key) is reported at the key, not skipped in silence', async () => {
  const { project, lines } = await load({
    'ordo.yaml': '',
    'flows/a.yaml': 'Flow: a\njobs:\n  x: { kind: noop }\n',
    'flows/b.yaml': '# no name\njobs:\n  x: { kind: noop }\n',
    'flows/c.yaml': 'description: c\nflw: c\nparams: { d: 1 }\n',
    'other/tool.yaml': 'services:\n  web: { image: nginx }\n', // another tool's file: still skipped
  });
  assert.equal(project, undefined);
  assert.deepEqual(lines, [
    'flows/a.yaml:1:1: ORDO_MISSING_KEY this file has "Flow:" but no "flow:" key (did you mean \'flow\'?): a flow file names its flow with "flow: NAME"',
    'flows/b.yaml:2:1: ORDO_MISSING_KEY this file has "jobs:" but no "flow:" key: a flow file names its flow with "flow: NAME"',
    'flows/c.yaml:2:1: ORDO_MISSING_KEY this file has "flw:" but no "flow:" key (did you mean \'flow\'?): a flow file names its flow with "flow: NAME"',
  ]);
});

test('an unknown key says which allowed key it is closest to', async () => {
  const { lines } = await load({ 'f.yaml': 'flow: f\njobs:\n  a: { shell: x, retires: 2 }\n', 'ordo.yaml': 'maxparallel: 2\n' });
  assert.match(lines.find((l) => l.startsWith('f.yaml'))!, /^f\.yaml:3:18: ORDO_UNKNOWN_KEY unknown key "retires" in job "a" \(did you mean 'retries'\?\) \(allowed: /);
  assert.match(lines.find((l) => l.startsWith('ordo.yaml'))!, /^ordo\.yaml:1:1: ORDO_UNKNOWN_KEY unknown key "maxparallel" in ordo\.yaml \(did you mean 'maxParallel'\?\)/);
});

test('misspelt job, parameter and template names get a "did you mean"', async () => {
  const { lines } = await load({
    'ordo.yaml': 'templates:\n  step: { timeout: 5m }\n',
    'f.yaml': 'flow: f\nparams:\n  date: "2026-01-01"\njobs:\n  extract: { shell: "echo ${{ params.dat }}", extends: stpe }\n  load: { shell: x, after: [extrct] }\n',
  });
  assert.deepEqual(lines, [
    'f.yaml:5:21: ORDO_UNKNOWN_PARAM ${{ params.dat }} in job "extract": flow "f" has no parameter "dat" (did you mean \'date\'?) (parameters: date)',
    'f.yaml:5:56: ORDO_UNKNOWN_TEMPLATE job "extract" extends unknown template "stpe" (did you mean \'step\'?) (templates: step)',
    'f.yaml:6:29: ORDO_UNKNOWN_JOB job "load" waits on "extrct", which flow "f" does not have (did you mean \'extract\'?)',
  ]);
});

test('a byte-order mark at the start of a YAML file is accepted and not counted in line 1\'s columns', async () => {
  const { lines } = await load({ 'f.yaml': '\uFEFFflw: f\njobs:\n  a: { kind: noop }\n', 'g.yaml': '\uFEFFflow: g\njobs:\n  a: { kind: noop }\n' });
  assert.deepEqual(lines, ['f.yaml:1:1: ORDO_MISSING_KEY this file has "flw:" but no "flow:" key (did you mean \'flow\'?): a flow file names its flow with "flow: NAME"']);
});
