/**
 * A workflow triggered like a flow: a flow file written as `workflow: NAME` with a gate trigger, on a real
 * server. Opening the gate fires the trigger, the fire starts a run, the run's one job runs the workflow.
 */
import assert from 'node:assert/strict';
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
