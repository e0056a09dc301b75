/**
 * A workflow triggered like a flow: a flow file written as `workflow: NAME` with a gate trigger, on a real
 * server. Opening the gate fires the trigger, the fire starts a run, the run's one job runs the workflow.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rpcClient, startTestServer, waitFor } from '../api/support.js';
import { describeResult, sandbox } from '../support/cli.js';
import { PROJECT } from './project-files.js';

const { 'ordo.yaml': _settings, 'nightly.yaml': _nightly, ...WORKFLOW_FILES } = PROJECT;

test('a gate trigger starts a flow that runs a workflow; the run records the fire and the workflow output', async () => {
  const server = await startTestServer({
    files: {
      ...WORKFLOW_FILES,
      'flows/provision.yaml': 'flow: provision\nparams:\n  n: { type: integer, default: 123 }\nworkflow: calltest\ninput: { input: "${{ params.n }}" }\ntriggers:\n  - gate: eod\n',
    },
  });
  try {
    const client = rpcClient(server.url, server.tokens.operator);
    assert.deepEqual(await client.request('runs.list', { flow: 'provision' }), [], 'nothing runs before the gate opens');
    await client.request('gates.open', { name: 'eod' });
    type Got = { run: { id: number; state: string; fireId: number | null }; tasks: Array<{ job: string; state: string; result: unknown }> };
    const done = await waitFor('the triggered run to succeed', async () => {
      const runs = await client.request('runs.list', { flow: 'provision' }) as Array<{ id: number }>;
      if (runs.length === 0) return undefined;
      const got = await client.request('runs.get', { run: runs[0]!.id }) as Got;
      return got.run.state === 'succeeded' ? got : undefined;
    }, 30_000);
    assert.ok(done.run.fireId !== null, 'the run carries the fire that started it');
    assert.deepEqual(done.tasks.map((t) => [t.job, t.state, t.result]), [['workflow', 'succeeded', { output: 126 }]]);
  } finally {
    await server.close();
  }
});

test('ordo validate checks workflow files and that workflow jobs name existing workflows', async () => {
  const box = sandbox({
    ...PROJECT,
    'flows/typo.yaml': 'flow: typo\nworkflow: caltest\n',
    'broken.wf': 'workflow broken:\n  do:\n    eval:\n      y = 1 +\n',
  });
  try {
    const r = await box.ordo(['validate']);
    assert.equal(r.code, 2, describeResult(['validate'], r));
    assert.match(r.stdout, /^flows\/typo\.yaml:2:1: ORDO_UNKNOWN_WORKFLOW job "workflow" of flow "typo" runs workflow "caltest", which the project does not have \(workflows: (broken, )?calltest\)$/m);
    assert.match(r.stdout, /^broken\.wf:4:\d+: WF_SYNTAX /m);
    assert.match(r.stderr, /^2 error\(s\)$/m);
  } finally {
    box.cleanup();
  }
});

test('flows.reload compiles and stores the workflow files too: a new workflow can be started at once; a broken file is refused', async () => {
  const server = await startTestServer({ files: WORKFLOW_FILES });
  try {
    const admin = rpcClient(server.url, server.tokens.admin);
    const operator = rpcClient(server.url, server.tokens.operator);
    writeFileSync(join(server.dir, 'double.wf'), 'workflow double:\n  in:\n    x number\n  out:\n    y number\n  wfomap:\n    y = v.y\n  do:\n    eval:\n      y = a.x * 2\n');
    const reloaded = await admin.request('flows.reload', {}) as { ok: boolean; workflows: number; actions: number };
    assert.deepEqual([reloaded.ok, reloaded.workflows, reloaded.actions], [true, 2, 1]);
    const [job, err] = await operator.request('create_job', { wfname: 'double', inargs: { x: 21 } }) as [number, unknown];
    assert.equal(err, null);
    const outargs = await waitFor('the new workflow to finish', async () => {
      const [id, out] = await operator.request('get_job_status', { job_id: job }) as [number | null, unknown];
      return id === null ? undefined : out;
    });
    assert.deepEqual(outargs, { y: 42 });
    writeFileSync(join(server.dir, 'double.wf'), 'workflow double:\n  do:\n    eval:\n      y = 1 +\n');
    const refused = await admin.request('flows.reload', {}) as { ok: boolean; diagnostics: Array<{ code: string; at: { file: string; line: number } }> };
    assert.equal(refused.ok, false);
    assert.ok(refused.diagnostics.some((d) => d.code.startsWith('WF_') && d.at.file === 'double.wf' && d.at.line === 4), JSON.stringify(refused.diagnostics));
    const [again] = await operator.request('create_job', { wfname: 'double', inargs: { x: 1 } }) as [number, unknown];
    assert.deepEqual(await waitFor('the stored version to run', async () => {
      const [id, out] = await operator.request('get_job_status', { job_id: again }) as [number | null, unknown];
      return id === null ? undefined : out;
    }), { y: 2 }, 'the version stored by the last good reload still runs');
  } finally {
    await server.close();
  }
});
