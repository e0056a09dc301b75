/** Child runs, durable: a workflow called as a subroutine, split, map, detachflow, and max_depth. */
import { CALLADD_WF, INC_WF, SPLIT_PAR_WF } from '../lang/programs.js';
import assert from 'node:assert/strict';
import { ADD_AC, eachBackend } from './support.js';


eachBackend('a workflow called as a subroutine runs as a child run and returns its outputs', async (kit) => {
  await kit.compile({
    'add.ac': ADD_AC, 'inc.wf': INC_WF,
    'main.wf': 'workflow main:\n  out:\n    r number\n  wfomap:\n    r = v.r\n  do:\n    call inc:\n      x = 41\n    into:\n      r = o.y\n',
  });
  const end = await kit.run('main', {});
  assert.deepEqual(end.output, { r: 42 });
  const [child] = await kit.wf.listRuns({ parentId: end.id });
  assert.equal(child?.workflow, 'inc');
  assert.equal(child?.depth, 1);
  assert.equal(child?.status, 'done');
  assert.equal(child?.join, 'call');
});

eachBackend('split starts children in parallel and maps their outputs in source order', async (kit) => {
  await kit.compile({
    'add.ac': ADD_AC, 'inc.wf': INC_WF,
    'par.wf': SPLIT_PAR_WF,
  });
  const end = await kit.run('par', {});
  assert.deepEqual(end.output, { r: 'a11 b21' });
  assert.equal((await kit.wf.listRuns({ parentId: end.id })).length, 2);
});

eachBackend('map ... using ... collect: one child per element, collected in element order', async (kit) => {
  await kit.compile({
    'add.ac': ADD_AC,
    'calladd.wf': CALLADD_WF,
    'mc.wf': `
      workflow mc:
        in:
          input array
        out:
          output number
          seen array
        wfomap:
          <output, seen>
        do:
          map calladd using a.input:
            input = tonumber(e._v)
            step = e._i
          collect:
            output += o.output
            seen ,= e._i
    `,
  });
  const end = await kit.run('mc', { input: [10, '20', 30] });
  assert.deepEqual(end.output, { output: 63, seen: [0, 1, 2] });
});

eachBackend('a failed child is a childerror in the parent, with the child error inside', async (kit) => {
  await kit.compile({
    'bad.wf': 'workflow bad:\n  do:\n    raise_error object(msg: "inner", class: "abort")\n',
    'c.wf': 'workflow c:\n  out:\n    r string\n  wfomap:\n    r = v.r\n  do:\n    try:\n      call bad:\n    catch:\n      eval:\n        r = e._error.class . ":" . e._error.child.msg\n',
  });
  assert.deepEqual((await kit.run('c', {})).output, { r: 'childerror:inner' });
});

eachBackend('detachflow starts a child and does not wait for it', async (kit) => {
  await kit.compile({
    'slow.wf': 'workflow slow:\n  do:\n    sleep 100\n',
    'd.wf': 'workflow d:\n  out:\n    child string\n  wfomap:\n    child = v.child\n  do:\n    detachflow slow:\n    eval:\n      child = "started"\n',
  });
  const end = await kit.run('d', {}, 10);
  assert.equal(end.status, 'done');
  const [child] = await kit.wf.listRuns({ parentId: end.id });
  assert.equal(child?.join, 'none');
  assert.equal(child?.status, 'waiting');
  const childEnd = await kit.finish(child!.id);
  assert.equal(childEnd.status, 'done');
});

eachBackend('max_depth stops runaway recursion; the parents see a childerror', async (kit) => {
  await kit.compile({ 'r.wf': 'workflow r:\n  config:\n    max_depth = 3\n  do:\n    call r:\n' });
  const end = await kit.run('r', {});
  assert.equal(end.status, 'error');
  assert.equal(end.error?.class, 'childerror');
  let inner = end.error;
  while (inner?.class === 'childerror') inner = inner.child as typeof inner;
  assert.equal(inner?.class, 'fatal');
  assert.match(inner?.msg ?? '', /max_depth of 3/);
  assert.equal((await kit.wf.tree(end.id)).length, 4);
});
