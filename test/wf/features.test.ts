/** What a program can do, from its steps: ending a run skips the lock, event and child statements it cannot need. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featuresOf } from '../../src/wf/features.js';
import { ADD_AC, CALLTEST_WF, compileOrThrow } from './support.js';

test('features: action calls only; locks from the locks: section; events; child workflows', () => {
  const { workflows } = compileOrThrow({
    'add.ac': ADD_AC, 'calltest.wf': CALLTEST_WF,
    'locked.wf': "workflow locked:\n  locks:\n    host 'a'\n  do:\n    eval:\n      x = 1\n",
    'evented.wf': "workflow evented:\n  do:\n    raise_event:\n      event = object(name: 'x')\n",
    'parent.wf': 'workflow parent:\n  do:\n    call calltest:\n      input = 1\n',
  });
  const f = (name: string) => featuresOf(workflows.get(name)!);
  assert.deepEqual(f('calltest'), { locks: false, events: false, children: false });
  assert.deepEqual(f('locked'), { locks: true, events: false, children: false });
  assert.deepEqual(f('evented'), { locks: false, events: true, children: false });
  assert.deepEqual(f('parent'), { locks: false, events: false, children: true });
});
