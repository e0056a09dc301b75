/**
 * The workflow-run methods of the API (what `ordo wf show|runs`, `vars`, `set-var`, `cancel`, `retry` do), on a
 * real server with the independent JSON-RPC client: list, trace, variables changed while a run waits, a cancel,
 * and a failed run retried from its failed step.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rpcClient, startTestServer, waitFor } from '../api/support.js';
import { describeResult, runCli } from '../support/cli.js';
import { OPERATOR_FILES, PROJECT } from './project-files.js';

const { 'ordo.yaml': _settings, 'nightly.yaml': _nightly, ...WORKFLOW_FILES } = PROJECT;

const FILES = {
  ...WORKFLOW_FILES,
  ...OPERATOR_FILES,
};

type WfRun = { id: string; workflow: string; status: string; output: unknown; error: { msg: string; class: string } | null };

test('wf.list, wf.get, wf.vars, wf.setVar, wf.cancel and wf.retry over JSON-RPC', async () => {
  const server = await startTestServer({ files: FILES });
  try {
    const op = rpcClient(server.url, server.tokens.operator);
    const status = async (run: string) => (await op.request('wf.get', { run }) as { run: WfRun }).run;
    const [waiter] = await op.request('create_job', { wfname: 'waiter', inargs: {} }) as [number];
    const w = `W${waiter}`;
    await waitFor('the run to sleep', async () => ((await status(w)).status === 'waiting' ? true : undefined));
    assert.deepEqual((await op.request('wf.vars', { run: w }) as { v: unknown }).v, { target: 'default' });
    assert.deepEqual((await op.request('wf.setVar', { run: w, vars: { target: 'changed' } }) as { v: unknown }).v, { target: 'changed' });
    const trace = await op.request('wf.get', { run: w }) as { steps: Array<{ op: string }>; version: number };
    assert.ok(trace.version >= 1 && trace.steps.some((s) => s.op === 'sleep'), JSON.stringify(trace.steps));
    assert.deepEqual(await op.request('wf.cancel', { run: w }), { run: w });
    const cancelled = await waitFor('the cancel', async () => {
      const r = await status(w);
      return r.status === 'error' ? r : undefined;
    });
    assert.equal(cancelled.error?.class, 'fatal');
    const listed = await op.request('wf.list', { workflow: 'waiter' }) as WfRun[];
    assert.deepEqual(listed.map((r) => [r.id, r.status]), [[w, 'error']]);

    const [job] = await op.request('create_job', { wfname: 'retried', inargs: {} }) as [number];
    const r = `W${job}`;
    const failed = await waitFor('the run to fail', async () => {
      const x = await status(r);
      return x.status === 'error' ? x : undefined;
    });
    assert.equal(failed.error?.msg, 'not yet');
    writeFileSync(join(server.dir, 'ok'), '');
    assert.deepEqual(await op.request('wf.retry', { run: r }), { run: r });
    const done = await waitFor('the retried run to finish', async () => {
      const x = await status(r);
      return x.status === 'done' ? x : undefined;
    });
    assert.deepEqual(done.output, { n: 7 });
    const user = rpcClient(server.url, server.tokens.user);
    await assert.rejects(async () => user.request('wf.retry', { run: r }), /the role user may not call wf.retry/);
  } finally {
    await server.close();
  }
});

test('the workflow commands against a server: wf runs, show, vars, set-var, cancel, call, and run of a flow, with --server --token', async () => {
  const server = await startTestServer({ files: FILES });
  try {
    const op = rpcClient(server.url, server.tokens.operator);
    const [job] = await op.request('create_job', { wfname: 'waiter', inargs: {} }) as [number];
    const w = `W${job}`;
    await waitFor('the run to sleep', async () => ((await op.request('wf.get', { run: w }) as { run: WfRun }).run.status === 'waiting' ? true : undefined));
    const remote = ['--server', server.url, '--token', server.tokens.operator];
    const ordo = async (args: string[]) => {
      const r = await runCli([...args, ...remote], { cwd: server.dir });
      assert.equal(r.code, 0, describeResult(args, r));
      return r.stdout;
    };
    assert.match(await ordo(['vars', w]), /^v\.target = "default"$/m);
    assert.equal(await ordo(['set-var', w, 'target=there']), `${w}: v.target = "there"\n`);
    assert.match(await ordo(['show', w]), /sleep/);
    assert.match(await ordo(['wf', 'runs']), new RegExp(`^${w} +waiter +waiting`, 'm'));
    assert.equal(await ordo(['cancel', w]), `${w} cancelled\n`);
    const called = JSON.parse(await ordo(['call', 'calltest', '--input', '{"input": 1}', '--json'])) as { state: string; output: unknown };
    assert.deepEqual([called.state, called.output], ['done', { output: 4 }]);
    const ran = JSON.parse(await ordo(['run', 'quick', '--json'])) as { state: string; tasks: Array<{ job: string; state: string }> };
    assert.deepEqual([ran.state, ran.tasks.map((t) => [t.job, t.state])], ['succeeded', [['a', 'succeeded'], ['b', 'succeeded']]]);
  } finally {
    await server.close();
  }
});
