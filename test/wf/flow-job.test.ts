/** A flow job of kind workflow: the flow's parameters go in, the run's output comes back as the job's result. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandInput } from '../../src/wf/executor.js';
import { describeResult, sandbox } from '../support/cli.js';
import { PROJECT } from './project-files.js';

test('expandInput keeps the type of a whole expression and expands text around one', () => {
  const req = { runId: '7', input: { params: { n: 5, day: '2026-01-31' }, results: { a: { x: { y: [1] } } } } };
  assert.deepEqual(expandInput({ n: '${{ params.n }}', s: 'day ${{ params.day }}', deep: { r: '${{ jobs.a.result.x.y }}' }, list: ['${{ run.id }}', 3], lit: true }, req),
    { n: 5, s: 'day 2026-01-31', deep: { r: [1] }, list: ['7', 3], lit: true });
});

test('a flow runs a workflow job and uses its output; a run that fails fails the job', async () => {
  const box = sandbox(PROJECT);
  try {
    const r = await box.ordo(['run', 'nightly', '--param', 'n=123', '--json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, describeResult(['run'], r));
    const summary = JSON.parse(r.stdout) as { tasks: Array<{ job: string; state: string }> };
    assert.deepEqual(Object.fromEntries(summary.tasks.map((t) => [t.job, t.state])), { compute: 'succeeded', report: 'succeeded', broken: 'failed' });
    const show = await box.ordo(['show', '1', '--json']);
    const tasks = (JSON.parse(show.stdout) as { tasks: Array<{ job: string; result: unknown; attemptsList: Array<{ error: string | null }> }> }).tasks;
    assert.deepEqual(tasks.find((t) => t.job === 'compute')?.result, { output: 126 });
    assert.match(tasks.find((t) => t.job === 'broken')?.attemptsList[0]?.error ?? '', /invalid input for calltest: input must be number/);
    const runs = await box.ordo(['wf', 'runs', '--json']);
    assert.equal((JSON.parse(runs.stdout) as unknown[]).length, 1, 'the broken input created no run');
  } finally {
    box.cleanup();
  }
});
