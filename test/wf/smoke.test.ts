import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADD_AC, CALLTEST_WF, wfKit } from './support.js';

test('calltest on memory sqlite', async () => {
  const kit = await wfKit('memory');
  try {
    await kit.compile({ 'add.ac': ADD_AC, 'calltest.wf': CALLTEST_WF });
    const end = await kit.run('calltest', { input: 123 });
    assert.deepEqual(end.output, { output: 126 });
    const steps = await kit.wf.steps(end.id);
    console.log(steps.map((s) => `${s.step} ${s.pc}:${s.op} ${s.event ? JSON.stringify(s.event) : ''} -> ${s.effect ? s.effect.kind : ''} ${s.status}`).join('\n'));
  } finally {
    await kit.close();
  }
});
