import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrdoError } from '../errors.js';
import { clientKey, FailureLimiter } from './limiter.js';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

const blocked = (l: FailureLimiter, address: string) => {
  try {
    l.check(address);
    return false;
  } catch (err) {
    assert.ok(err instanceof OrdoError && err.code === 'ORDO_RATE_LIMITED');
    return true;
  }
};

test('ten failures within a minute block an address for a minute from the last; other addresses are not affected', () => {
  const c = clock();
  const l = new FailureLimiter({ now: c.now });
  for (let i = 0; i < 9; i++) {
    l.fail('10.0.0.1');
    c.t += 1000;
  }
  assert.equal(blocked(l, '10.0.0.1'), false, 'nine failures: still allowed');
  l.fail('10.0.0.1');
  assert.equal(blocked(l, '10.0.0.1'), true);
  assert.equal(l.retryAfterMs('10.0.0.1'), 60_000);
  assert.equal(blocked(l, '10.0.0.2'), false);
  c.t += 59_999;
  assert.equal(blocked(l, '10.0.0.1'), true, 'not yet cooled');
  c.t += 1;
  assert.equal(blocked(l, '10.0.0.1'), false, 'cooled after a minute');
});

test('failures spread wider than the window do not block', () => {
  const c = clock();
  const l = new FailureLimiter({ now: c.now, maxFailures: 3, windowMs: 1000 });
  for (let i = 0; i < 20; i++) {
    l.fail('a');
    c.t += 500;
  }
  assert.equal(blocked(l, 'a'), false, 'at most two failures in any second');
  l.fail('a');
  l.fail('a');
  assert.equal(blocked(l, 'a'), true);
});

test('the refusal carries the seconds to wait', () => {
  const c = clock();
  const l = new FailureLimiter({ now: c.now, maxFailures: 1, windowMs: 30_000 });
  l.fail('a');
  c.t += 10_500;
  assert.throws(() => l.check('a'), (err: OrdoError) => err.details?.retryAfterSeconds === 20 && /try again in 20 s/.test(err.message));
});

test('the table is bounded: past the cap the least recently failing address is forgotten', () => {
  const c = clock();
  const l = new FailureLimiter({ now: c.now, maxFailures: 2, maxEntries: 100 });
  l.fail('first');
  l.fail('first');
  for (let i = 0; i < 1000; i++) {
    c.t += 1;
    l.fail(`flood-${i}`);
  }
  assert.equal(l.size, 100);
  assert.equal(blocked(l, 'first'), false, 'evicted');
  l.fail('recent');
  l.fail('recent');
  assert.equal(blocked(l, 'recent'), true);
  assert.equal(l.size, 100);
});

test('IPv6 addresses count by their /64; IPv4-mapped addresses as IPv4', () => {
  assert.equal(clientKey('10.1.2.3'), '10.1.2.3');
  assert.equal(clientKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(clientKey('2001:db8:0:1::5'), '2001:db8:0:1::/64');
  assert.equal(clientKey('2001:0db8:0000:0001:abcd:1:2:3'), '2001:db8:0:1::/64');
  assert.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(clientKey('::1'), '0:0:0:0::/64');
  const l = new FailureLimiter({ maxFailures: 2 });
  l.fail('2001:db8:0:1::5');
  l.fail('2001:db8:0:1::6');
  assert.equal(blocked(l, '2001:db8:0:1:ffff::7'), true, 'the same /64');
  assert.equal(blocked(l, '2001:db8:0:2::5'), false);
});
