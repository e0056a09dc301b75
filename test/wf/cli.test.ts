/** The workflow commands of the real CLI: compile, call, wf show, vars, set-var, cancel, retry, wf resume. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeResult, sandbox, waitFor } from '../support/cli.js';
import { writeFileSync } from 'node:fs';
import { OPERATOR_FILES, PROJECT } from './project-files.js';

const FILES = {
  ...PROJECT,
  'broken/bad.wf': 'workflow bad:\n  do:\n    call nothere:\n      x = 1\n    eval:\n      y = 1 +\n',
  ...OPERATOR_FILES,
};

test('ordo compile reports every problem with file:line:column and a caret, and stores versions', async () => {
  const box = sandbox(FILES);
  try {
    const bad = await box.ordo(['compile', 'broken/bad.wf']);
    assert.equal(bad.code, 2, describeResult(['compile'], bad));
    assert.match(bad.stdout, /^broken\/bad\.wf:3:10: WF_UNKNOWN_CALLEE .*\n.*call nothere:\n +\^{7}$/m);
    assert.match(bad.stdout, /broken\/bad\.wf:6:\d+: WF_SYNTAX/);
    const check = await box.ordo(['compile', '--check', 'add.ac', 'calltest.wf']);
    assert.equal(check.code, 0, describeResult(['compile', '--check'], check));
    assert.equal(check.stdout, '');
    const stored = await box.ordo(['compile', 'add.ac', 'calltest.wf']);
    assert.equal(stored.code, 0, describeResult(['compile'], stored));
    assert.match(stored.stdout, /^action add version 1 \(new\)\nworkflow calltest version 1 \(new\)\n$/);
    assert.match((await box.ordo(['compile', 'add.ac', 'calltest.wf'])).stdout, /^action add version 1\nworkflow calltest version 1\n$/);
  } finally {
    box.cleanup();
  }
});

test('ordo call runs calltest with a command action; wf show prints the trace; vars the variables', async () => {
  const box = sandbox(Object.fromEntries(Object.entries(FILES).filter(([k]) => !k.startsWith('broken/'))));
  try {
    const r = await box.ordo(['call', 'calltest', '--input', '{"input": 123}', '--json']);
    assert.equal(r.code, 0, describeResult(['call'], r));
    assert.deepEqual(JSON.parse(r.stdout), { run: 'W1', state: 'done', output: { output: 126 }, error: null });
    const show = await box.ordo(['wf', 'show', 'W1']);
    assert.equal(show.code, 0, describeResult(['wf', 'show'], show));
    assert.match(show.stdout, /^W1 {2}workflow calltest v1 {2}done/);
    assert.match(show.stdout, /calltest\.wf:9:5 +0:call +- +call_action add \{"counter":123,"step":3\} +\[task 1 done, 1 attempt\(s\)\] +waiting/);
    assert.match(show.stdout, /action_done \{"counter":126\}/);
    const vars = await box.ordo(['vars', 'W1', '--json']);
    assert.deepEqual(JSON.parse(vars.stdout).v, { thing: 126 });
    const bad = await box.ordo(['call', 'calltest', '--input', '{"input": "x"}']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ORDO_WF_INPUT invalid input for calltest: input must be number/);
    assert.equal((await box.ordo(['wf', 'show', '1'])).code, 2, 'a flow run id is not a workflow run id');
  } finally {
    box.cleanup();
  }
});

test('set-var on a waiting run, cancel, and retry of a failed run', async () => {
  const box = sandbox(Object.fromEntries(Object.entries(FILES).filter(([k]) => !k.startsWith('broken/'))));
  try {
    const waiter = box.start(['call', 'waiter', '--json'], { timeoutMs: 30_000 });
    await waitFor('the run to wait', async () => ((await box.ordo(['vars', 'W1'])).stdout.includes("v.target") ? true : undefined));
    const set = await box.ordo(['set-var', 'W1', 'target="chosen"', 'extra=[1,2]']);
    assert.equal(set.code, 0, describeResult(['set-var'], set));
    const vars = JSON.parse((await box.ordo(['vars', 'W1', '--json'])).stdout) as { v: Record<string, unknown> };
    assert.deepEqual(vars.v, { target: 'chosen', extra: [1, 2] });
    const cancel = await box.ordo(['cancel', 'W1']);
    assert.equal(cancel.code, 0, describeResult(['cancel'], cancel));
    const ended = await waiter.exited;
    assert.equal(ended.code, 1, describeResult(['call', 'waiter'], ended));
    assert.equal(JSON.parse(ended.stdout).error.class, 'fatal');

    const failed = await box.ordo(['call', 'retried', '--json']);
    assert.equal(failed.code, 1);
    assert.deepEqual(JSON.parse(failed.stdout).error, { msg: 'not yet', class: 'abort', at: 'retried.wf:7:5' });
    writeFileSync(`${box.project}/ok`, ''); // the action succeeds from now on
    const retried = await box.ordo(['retry', 'W2', '--json']);
    assert.equal(retried.code, 0, describeResult(['retry'], retried));
    assert.deepEqual(JSON.parse(retried.stdout).output, { n: 7 });
    const resumeDone = await box.ordo(['wf', 'resume', 'W2', '--json']);
    assert.equal(resumeDone.code, 0, 'resuming an ended run reports it');
    assert.equal(JSON.parse(resumeDone.stdout).state, 'done');
  } finally {
    box.cleanup();
  }
});
