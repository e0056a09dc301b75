/** Events, durable: subscriptions with masks, raise_event across runs, wait_for_event with a timeout. */
import assert from 'node:assert/strict';
import { eachBackend } from './support.js';

eachBackend('subscribe, raise_event and wait_for_event deliver events whose mask matches; a timeout says so', async (kit) => {
  await kit.compile({
    't.wf': `
      workflow t:
        out:
          r any
        wfomap:
          r = v.r
        do:
          subscribe:
            name = 'mine'
            mask = object(kind: 'x')
          raise_event: event = object(kind: 'y', n: 1)
          raise_event: event = object(kind: 'x', n: 2)
          wait_for_event:
            events = array('mine')
            timeout = 5
          into:
            <event>
          unsubscribe: name = 'mine'
          wait_for_event: events = array('mine'), timeout = 5
          into:
            t.e = o.event
            r = array(v.event, t.e.name)
    `,
  });
  const t0 = kit.clock.now();
  const end = await kit.run('t', {}, 1000);
  assert.deepEqual(end.output, { r: [{ name: 'mine', event: { kind: 'x', n: 2 } }, 'timeout'] });
  assert.equal(kit.clock.now() - t0, 5000);
});

eachBackend('an event raised by another run wakes a waiting run; masks match nested values', async (kit) => {
  await kit.compile({
    'sender.wf': "workflow sender:\n  do:\n    sleep 30\n    raise_event: event = object(kind: 'order', order: object(id: 7, state: 'paid'), extra: 1)\n",
    'waiter.wf': `
      workflow waiter:
        out:
          got any
        wfomap:
          got = v.got
        do:
          subscribe: name = 'paid', mask = object(kind: 'order', order: object(state: 'paid'))
          subscribe: name = 'other', mask = object(kind: 'order', order: object(state: 'cancelled'))
          detachflow sender:
          wait_for_event: events = array('paid', 'other'), timeout = 3600
          into:
            got = o.event
    `,
  });
  const t0 = kit.clock.now();
  const end = await kit.run('waiter', {}, 1000);
  assert.deepEqual(end.output, { got: { name: 'paid', event: { kind: 'order', order: { id: 7, state: 'paid' }, extra: 1 } } });
  assert.equal(kit.clock.now() - t0, 30_000);
  assert.deepEqual(await kit.wf.db.query('SELECT * FROM wf_subscriptions'), [], 'subscriptions end with their run');
});
