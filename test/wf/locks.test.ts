/** Locks, durable: FIFO waiters, inheritance, deadlock detection, waits with a limit. */
import assert from 'node:assert/strict';
import { DEADLOCK_SOURCES, LOCK_FIFO_WF, LOCK_WORKER_WF } from '../lang/programs.js';
import { eachBackend } from './support.js';


eachBackend('lock waiters are served first come, first served', async (kit) => {
  await kit.compile({
    'worker.wf': LOCK_WORKER_WF,
    'main.wf': LOCK_FIFO_WF,
  });
  const t0 = kit.clock.now();
  const end = await kit.run('main', {}, 500);
  assert.deepEqual(end.output, { order: ['a', 'b', 'c'] });
  assert.equal(kit.clock.now() - t0, 12_000);
  const locks = await kit.wf.db.query('SELECT * FROM wf_locks');
  assert.deepEqual(locks, [], 'every lock is released');
});

eachBackend('inherit: a child may take a lock its parent holds', async (kit) => {
  await kit.compile({
    'child.wf': "workflow child:\n  locks:\n    abc _ manual\n  do:\n    lock abc 'def'\n    unlock abc 'def'\n",
    'parent.wf': 'workflow parent:\n  locks:\n    abc def inherit\n  do:\n    call child:\n',
  });
  assert.equal((await kit.run('parent', {})).status, 'done');
});

eachBackend('deadlock: a child waiting for a lock its parent holds (without inherit) gets a lock error', async (kit) => {
  await kit.compile({
    'child.wf': "workflow child:\n  locks:\n    abc _ manual\n  do:\n    lock abc 'def'\n",
    'parent.wf': 'workflow parent:\n  locks:\n    abc def\n  do:\n    call child:\n',
  });
  const end = await kit.run('parent', {});
  assert.equal(end.error?.class, 'childerror');
  const child = end.error?.child as { class: string; msg: string };
  assert.equal(child.class, 'lock');
  assert.match(child.msg, /deadlock/);
});

eachBackend('deadlock between two runs taking two locks in opposite order', async (kit) => {
  await kit.compile(DEADLOCK_SOURCES);
  assert.deepEqual((await kit.run('main', {}, 250)).output, { failed: 'wb: lock' });
});

eachBackend('wait_for_lock with a limit raises timeout; wait = no raises lock at once', async (kit) => {
  await kit.compile({
    'holder.wf': 'workflow holder:\n  locks:\n    res one\n  do:\n    sleep 100\n',
    'w.wf': `
      workflow w:
        out:
          cls string
        wfomap:
          cls = v.cls
        locks:
          res _ manual
        do:
          detachflow holder:
          try:
            wait_for_lock res: value = 'one', wait = 'no'
          catch:
            eval:
              cls = e._error.class
          try:
            wait_for_lock res: value = 'one', wait = 30
          catch:
            eval:
              cls .= '+' . e._error.class
    `,
  });
  const t0 = kit.clock.now();
  const end = await kit.run('w', {}, 1000);
  assert.deepEqual(end.output, { cls: 'lock+timeout' });
  assert.equal(kit.clock.now() - t0, 30_000);
  assert.deepEqual(await kit.wf.db.query('SELECT * FROM wf_lock_waiters'), []);
});

eachBackend('unlock of a lock the run does not hold is a lock error', async (kit) => {
  await kit.compile({
    'u.wf': "workflow u:\n  out:\n    cls string\n  wfomap:\n    cls = v.cls\n  locks:\n    res _ manual\n  do:\n    try:\n      unlock res 'x'\n    catch:\n      eval:\n        cls = e._error.class\n",
  });
  assert.deepEqual((await kit.run('u', {})).output, { cls: 'lock' });
});
