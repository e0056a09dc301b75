import assert from 'node:assert/strict';
import { test } from 'node:test';
import { abort, restart, skipJob, type OperatorContext } from './operator.js';
import { createTestKit, type TestKit } from '../testkit/index.js';
import type { TaskRow } from './store.js';

const EXAMPLE = `
flow: nightly
params:
  business_date: { type: string, default: "2026-01-01" }
jobs:
  extract: { command: [sh, -c, "echo extracting"] }
  load:    { shell: "echo loading", after: [extract] }
  cleanup: { shell: "echo cleanup", after: [{ load: failed }] }
  report:  { shell: "echo report", after: [{ any: [load, cleanup] }] }
`;

const states = (tasks: TaskRow[]) => Object.fromEntries(tasks.map((t) => [t.job, t.state]));
const op = (kit: TestKit): OperatorContext => ({ store: kit.store, now: kit.clock.now(), actor: 'test', ownerAlive: () => true });

test('a flow runs its jobs in dependency order; an unsatisfiable job is skipped', async () => {
  const kit = await createTestKit();
  try {
    const { done } = await kit.start(await kit.flow(EXAMPLE));
    const { run, tasks } = await kit.finish(done);
    assert.equal(run.state, 'succeeded');
    assert.deepEqual(states(tasks), { extract: 'succeeded', load: 'succeeded', cleanup: 'skipped', report: 'succeeded' });
    assert.equal(tasks.find((t) => t.job === 'cleanup')!.reason, 'unsatisfiable');
    assert.deepEqual(kit.executor.requests.map((r) => r.job.name), ['extract', 'load', 'report']);
  } finally {
    await kit.close();
  }
});

test('a failure handled by a dependency on `failed` runs the failure path and the run succeeds', async () => {
  const kit = await createTestKit({ script: { load: [{ status: 'failed', exitCode: 3, durationMs: 10 }] } });
  try {
    const { done } = await kit.start(await kit.flow(EXAMPLE));
    const { run, tasks } = await kit.finish(done);
    assert.deepEqual(states(tasks), { extract: 'succeeded', load: 'failed', cleanup: 'succeeded', report: 'succeeded' });
    assert.equal(tasks.find((t) => t.job === 'load')!.exitCode, 3);
    assert.equal(run.state, 'succeeded');
  } finally {
    await kit.close();
  }
});

test('an unhandled failure fails the run and skips what waited on success', async () => {
  const kit = await createTestKit({ script: { a: [{ status: 'failed', durationMs: 5 }] } });
  try {
    const def = await kit.flow('flow: f\njobs:\n  a: { shell: x }\n  b: { shell: x, after: [a] }\n  c: { shell: x, after: [b] }\n  d: { shell: x }\n');
    const { run, tasks } = await kit.finish((await kit.start(def)).done);
    assert.equal(run.state, 'failed');
    assert.deepEqual(states(tasks), { a: 'failed', b: 'skipped', c: 'skipped', d: 'succeeded' });
  } finally {
    await kit.close();
  }
});

test('retries wait delay * backoff^n between attempts, then succeed', async () => {
  const kit = await createTestKit({
    script: { a: [{ status: 'failed', durationMs: 0 }, { status: 'failed', durationMs: 0 }, { durationMs: 0 }] },
  });
  try {
    const def = await kit.flow('flow: f\njobs:\n  a: { shell: x, retries: { count: 3, delay: 10s, backoff: 3 } }\n');
    const { runId, done } = await kit.start(def);
    const { run, tasks } = await kit.finish(done, 1000);
    assert.equal(run.state, 'succeeded');
    assert.equal(tasks[0]!.attempts, 3);
    const started = (await kit.store.events(runId)).filter((e) => e.kind === 'task_started').map((e) => e.at);
    assert.equal(started.length, 3);
    assert.equal(started[1]! - started[0]!, 10_000);
    assert.equal(started[2]! - started[1]!, 30_000);
  } finally {
    await kit.close();
  }
});

test('retries run out: the task fails after 1 + retries attempts', async () => {
  const kit = await createTestKit({ script: { a: [{ status: 'timeout', durationMs: 5 }] } });
  try {
    const def = await kit.flow('flow: f\njobs:\n  a: { shell: x, retries: 2 }\n');
    const { tasks } = await kit.finish((await kit.start(def)).done);
    assert.equal(tasks[0]!.state, 'failed');
    assert.equal(tasks[0]!.attempts, 3);
    assert.equal(tasks[0]!.reason, 'timeout');
    assert.deepEqual((await kit.store.getAttempts(tasks[0]!.id)).map((a) => a.state), ['timeout', 'timeout', 'timeout']);
  } finally {
    await kit.close();
  }
});

test('the global limit and a flow limit bound how many tasks run at once', async () => {
  for (const [global, perFlow, expected] of [[3, undefined, 3], [10, 2, 2]] as const) {
    const kit = await createTestKit({ maxParallel: global, defaultMs: 100 });
    try {
      const jobs = Array.from({ length: 9 }, (_, i) => `  j${i}: { shell: x }`).join('\n');
      const def = await kit.flow(`flow: f\n${perFlow ? `maxParallel: ${perFlow}\n` : ''}jobs:\n${jobs}\n`);
      const { done } = await kit.start(def);
      let peak = 0;
      let result;
      void done.then((r) => (result = r));
      for (let i = 0; i < 100 && !result; i++) {
        peak = Math.max(peak, kit.executor.running.length);
        await kit.clock.advance(50);
      }
      assert.equal(peak, expected);
      assert.equal(kit.executor.requests.length, 9);
    } finally {
      await kit.close();
    }
  }
});

test('an operator skip takes effect when the job becomes runnable and lets its dependents go on', async () => {
  const kit = await createTestKit({ script: { a: [{}] } });
  try {
    const def = await kit.flow('flow: f\njobs:\n  a: { shell: x }\n  b: { shell: x, after: [a] }\n  c: { shell: x, after: [b] }\n');
    const { runId, done } = await kit.start(def);
    await kit.clock.advance(0);
    await skipJob(op(kit), runId, 'b');
    kit.executor.complete(runId, 'a');
    const { run, tasks } = await kit.finish(done);
    assert.equal(run.state, 'succeeded');
    assert.deepEqual(states(tasks), { a: 'succeeded', b: 'skipped', c: 'succeeded' });
    assert.equal(tasks.find((t) => t.job === 'b')!.reason, 'operator');
    assert.deepEqual(kit.executor.requests.map((r) => r.job.name), ['a', 'c']);
  } finally {
    await kit.close();
  }
});

test('aborting a running job stops its attempt; aborting the run ends it aborted', async () => {
  const kit = await createTestKit({ script: { a: [{}], b: [{}] } });
  try {
    const def = await kit.flow('flow: f\njobs:\n  a: { shell: x }\n  b: { shell: x }\n  c: { shell: x, after: [a, b] }\n');
    const { runId, done } = await kit.start(def);
    await kit.clock.advance(0);
    assert.deepEqual(kit.executor.running, ['a', 'b']);
    await abort(op(kit), runId, 'a');
    await kit.clock.advance(1000);
    assert.deepEqual(kit.executor.running, ['b']);
    await abort(op(kit), runId);
    const { run, tasks } = await kit.finish(done);
    assert.equal(run.state, 'aborted');
    // c could no longer run once a was aborted: it was skipped before the run was.
    assert.deepEqual(states(tasks), { a: 'aborted', b: 'aborted', c: 'skipped' });
  } finally {
    await kit.close();
  }
});

test('restart --mode downstream reruns a failed job and what depends on it', async () => {
  const kit = await createTestKit({ script: { b: [{ status: 'failed', durationMs: 5 }, { durationMs: 5 }] } });
  try {
    const def = await kit.flow('flow: f\njobs:\n  a: { shell: x }\n  b: { shell: x, after: [a] }\n  c: { shell: x, after: [b] }\n  d: { shell: x, after: [a] }\n');
    const { runId, done } = await kit.start(def);
    const first = await kit.finish(done);
    assert.equal(first.run.state, 'failed');
    assert.deepEqual(await restart(op(kit), runId, 'b', 'downstream', def), ['b', 'c']);
    const { run, tasks } = await kit.finish(kit.engine.drive(runId));
    assert.equal(run.state, 'succeeded');
    assert.deepEqual(states(tasks), { a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' });
    assert.equal(tasks.find((t) => t.job === 'b')!.attempts, 2);
    assert.deepEqual(kit.executor.requests.map((r) => `${r.job.name}#${r.attempt}`), ['a#1', 'b#1', 'd#1', 'b#2', 'c#1']);
  } finally {
    await kit.close();
  }
});

test('a disabled job is skipped and counts as done for its dependents', async () => {
  const kit = await createTestKit();
  try {
    const def = await kit.flow('flow: f\njobs:\n  a: { shell: x }\n  b: { shell: x, after: [a] }\n  c: { shell: x, after: [b] }\n');
    await kit.store.setJobEnabled('f', 'b', false, kit.clock.now());
    const { run, tasks } = await kit.finish((await kit.start(def)).done);
    assert.equal(run.state, 'succeeded');
    assert.deepEqual(states(tasks), { a: 'succeeded', b: 'skipped', c: 'succeeded' });
    assert.equal(tasks.find((t) => t.job === 'b')!.reason, 'disabled');
  } finally {
    await kit.close();
  }
});

test('a new engine adopts a run whose engine died: lost attempts retry, finished tasks never rerun', async () => {
  const first = await createTestKit({ script: { a: [{ durationMs: 10 }], b: [{}] } });
  const def = await first.flow('flow: f\njobs:\n  a: { shell: x }\n  b: { shell: x, after: [a], retries: 1 }\n  c: { shell: x, after: [b] }\n');
  const { runId } = await first.start(def);
  await first.clock.advance(20);
  assert.deepEqual(first.executor.running, ['b']);
  await first.engine.close(); // the engine "crashes": b's attempt is never reported

  const second = await createTestKit({ store: first.store, owner: 'testkit/2/0', isOwnerDead: (o) => o === 'testkit/1/0' });
  try {
    const { run, tasks } = await second.finish(second.engine.drive(runId));
    assert.equal(run.state, 'succeeded');
    assert.deepEqual(second.executor.requests.map((r) => `${r.job.name}#${r.attempt}`), ['b#2', 'c#1']);
    const b = tasks.find((t) => t.job === 'b')!;
    assert.deepEqual((await second.store.getAttempts(b.id)).map((a) => a.state), ['lost', 'succeeded']);
  } finally {
    await second.close();
    await first.store.close();
  }
});

test('expressions expand params, upstream results and kv as literal text', async () => {
  const kit = await createTestKit({ script: { a: [{ durationMs: 1, result: { rows: 42 } }] } });
  try {
    const def = await kit.flow(`
flow: f
params:
  who: { type: string, default: "x" }
jobs:
  a: { shell: x }
  b: { command: [echo, "\${{ params.who }}", "\${{ jobs.a.result.rows }}", "\${{ kv.k }}"], after: [a], env: { W: "\${{ params.who }}" } }
`);
    const { runId, done } = await kit.start(def, { who: 'a; rm -rf /' });
    await kit.store.kvSet(runId, 'k', 'v1', kit.clock.now());
    await kit.finish(done);
    const b = kit.executor.requests.find((r) => r.job.name === 'b')!;
    assert.deepEqual(b.job.command, { kind: 'argv', argv: ['echo', 'a; rm -rf /', '42', 'v1'] });
    assert.equal(b.job.env.W, 'a; rm -rf /');
    assert.equal(b.env.ORDO_RUN_ID, String(runId));
    assert.equal(b.env.ORDO_JOB, 'b');
    assert.equal(b.env.ORDO_ATTEMPT, '1');
  } finally {
    await kit.close();
  }
});

test('in a shell script an expression becomes a variable: a value is never parsed as shell code', async () => {
  const kit = await createTestKit();
  try {
    const def = await kit.flow('flow: f\nparams:\n  k: { type: string }\njobs:\n  a: { shell: \'echo "${{ params.k }}" ${{ run.id }}\' }\n');
    const { done } = await kit.start(def, { k: '$(touch pwned)' });
    await kit.finish(done);
    const a = kit.executor.requests[0]!;
    assert.deepEqual(a.job.command, { kind: 'shell', script: 'echo "${ORDO_EXPR_0}" ${ORDO_EXPR_1}', shell: ['/bin/sh', '-c'] });
    assert.equal(a.job.env.ORDO_EXPR_0, '$(touch pwned)');
  } finally {
    await kit.close();
  }
});

test('every state change has its event, in order', async () => {
  const kit = await createTestKit({ script: { a: [{ status: 'failed', durationMs: 1 }, { durationMs: 1 }] } });
  try {
    const def = await kit.flow('flow: f\njobs:\n  a: { shell: x, retries: 1 }\n');
    const { runId, done } = await kit.start(def);
    await kit.finish(done);
    const kinds = (await kit.store.events(runId)).map((e) => e.kind);
    assert.deepEqual(kinds, ['run_created', 'run_started', 'task_ready', 'task_started', 'task_attempt_failed',
      'retry_scheduled', 'task_started', 'task_succeeded', 'run_succeeded']);
  } finally {
    await kit.close();
  }
});

test('a changed definition becomes a new version; a run keeps the version it started with', async () => {
  const kit = await createTestKit();
  try {
    const v1 = await kit.flow('flow: f\njobs:\n  a: { shell: x }\n');
    const same = await kit.flow('# a comment\nflow: f\njobs:\n  a: { shell: x }\n');
    const v2 = await kit.flow('flow: f\njobs:\n  a: { shell: x }\n  b: { shell: y }\n');
    const r1 = await kit.start(v1);
    const r2 = await kit.start(same);
    const r3 = await kit.start(v2);
    const runs = await Promise.all([r1, r2, r3].map((r) => kit.store.getRun(r.runId)));
    assert.equal(runs[0]!.flowVersionId, runs[1]!.flowVersionId);
    assert.notEqual(runs[0]!.flowVersionId, runs[2]!.flowVersionId);
    assert.equal((await kit.store.getFlowVersion(runs[2]!.flowVersionId)).version, 2);
    assert.equal((await kit.store.getTasks(r1.runId)).length, 1);
    await kit.finish(Promise.all([r1.done, r2.done, r3.done]).then((x) => x[2]));
  } finally {
    await kit.close();
  }
});

test('overlapping drive and tryAdopt calls adopt a run once', async () => {
  const kit = await createTestKit();
  try {
    const def = await kit.flow('flow: f\njobs:\n  a: { shell: x }\n');
    const run = await kit.engine.createRun(def, 'fp', {});
    const [done, adopted] = [kit.engine.drive(run.id), kit.engine.tryAdopt(run.id)];
    assert.equal(await adopted, true);
    const summary = await kit.finish(done);
    assert.equal(summary.run.state, 'succeeded');
    const kinds = (await kit.store.events(run.id)).map((e) => e.kind);
    assert.equal(kinds.filter((k) => k === 'run_started').length, 1);
  } finally {
    await kit.close();
  }
});
