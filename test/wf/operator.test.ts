/** Operators and workflow runs: cancel, set a variable of a waiting run, retry a failed run. */
import assert from 'node:assert/strict';
import { retryRun, setVar } from '../../src/wf/operator.js';
import { eachBackend } from './support.js';

eachBackend('cancel ends a waiting run with a fatal error that try does not catch, and its children with it', async (kit) => {
  await kit.compile({
    'child.wf': 'workflow child:\n  do:\n    sleep 1000\n',
    'w.wf': 'workflow w:\n  do:\n    try:\n      call child:\n    catch:\n      eval:\n        x = 1\n',
  });
  const runId = await kit.engine.start('w', {});
  await kit.clock.advance(10_000);
  await kit.engine.cancel(runId, 'test');
  const end = await kit.finish(runId);
  assert.equal(end.status, 'error');
  assert.deepEqual(end.error?.class, 'fatal');
  assert.match(end.error?.msg ?? '', /cancelled by test/);
  await kit.clock.advance(1000);
  const [child] = await kit.wf.listRuns({ parentId: runId });
  assert.equal(child?.status, 'error');
  assert.match(child?.error?.msg ?? '', /its parent W\d+ ended/);
  assert.ok((await kit.wf.events(runId)).some((e) => e.kind === 'wf_cancel_requested'));
});

eachBackend('an operator sets a variable of a waiting run; the engine driving it reads the run again', async (kit) => {
  await kit.compile({
    'w.wf': "workflow w:\n  out:\n    r string\n  wfomap:\n    r = v.target\n  do:\n    eval:\n      target = 'default'\n    sleep 60\n",
  });
  const runId = await kit.engine.start('w', {});
  await kit.clock.advance(1000);
  await setVar({ store: kit.wf, now: kit.clock.now(), actor: 'alice' }, runId, 'target', 'chosen');
  const end = await kit.finish(runId);
  assert.deepEqual(end.output, { r: 'chosen' });
  const ev = (await kit.wf.events(runId)).find((e) => e.kind === 'wf_var_set');
  assert.deepEqual(ev?.data, { name: 'target', old: 'default', value: 'chosen', by: 'alice' });
});

let failures = 1;
eachBackend('a failed run is retried from the step that failed', async (kit) => {
  failures = 1;
  await kit.compile({
    'flaky.ac': 'action flaky:\n  in:\n    n number\n  out:\n    n number\n',
    'w.wf': 'workflow w:\n  out:\n    r number\n  wfomap:\n    r = v.r\n  do:\n    eval:\n      r = 1\n    call flaky:\n      n = 41\n    into:\n      r += o.n\n',
  });
  const first = await kit.run('w', {});
  assert.equal(first.status, 'error');
  assert.equal(first.error?.msg, 'not yet');
  const retried = await retryRun({ store: kit.wf, now: kit.clock.now(), actor: 'bob' }, first.id);
  assert.equal(retried.status, 'running');
  assert.equal(await kit.engine.adopt(first.id), true);
  const end = await kit.finish(first.id);
  assert.deepEqual(end.output, { r: 42 });
  assert.equal((await kit.wf.tasks(first.id)).length, 2);
}, {
  actions: {
    flaky: async (input) => {
      if (failures-- > 0) throw new Error('not yet');
      return { n: Number(input.n) };
    },
  },
});
