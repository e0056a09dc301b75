/** Locks, durable: FIFO waiters, inheritance, deadlock detection, waits with a limit. */
import assert from 'node:assert/strict';
import { eachBackend } from './support.js';

const WORKER_WF = `
  workflow worker:
    in:
      name string
      hold number
    locks:
      res _ manual
    do:
      lock res 'r'
      raise_event: event = object(kind: 'got', name: a.name)
      sleep a.hold
      unlock res 'r'
`;

eachBackend('lock waiters are served first come, first served', async (kit) => {
  await kit.compile({
    'worker.wf': WORKER_WF,
    'main.wf': `
      workflow main:
        out:
          order array
        wfomap:
          order = v.order
        do:
          subscribe: name = 'got', mask = object(kind: 'got')
          split:
            callflow worker:
              name = 'a'
              hold = 10
            callflow worker:
              name = 'b'
              hold = 1
            callflow worker:
              name = 'c'
              hold = 1
          eval:
            order = array()
          repeat:
            wait_for_event: events = array('got'), timeout = 1
            into:
              order ,= o.event.event.name
          until length(v.order) == 3
    `,
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
  const lock2 = (first: string, second: string): string =>
    `workflow w${first}:\n  locks:\n    l _ manual\n  do:\n    lock l '${first}'\n    sleep 1\n    lock l '${second}'\n`;
  await kit.compile({
    'wa.wf': lock2('a', 'b'),
    'wb.wf': lock2('b', 'a'),
    'main.wf': `
      workflow main:
        out:
          failed string
        wfomap:
          failed = v.failed
        do:
          try:
            split:
              callflow wa:
              callflow wb:
            eval:
              failed = 'nobody'
          catch:
            eval:
              failed = e._error.workflow . ': ' . e._error.child.class
    `,
  });
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
