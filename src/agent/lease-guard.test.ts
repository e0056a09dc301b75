/** The agent's lease guard: when a singleton attempt's deadline has passed, and what its outcome then is. */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { tempDir } from '../../test/support/tmp.js';
import type { AttemptOutcome } from '../engine/ports.js';
import { LeaseGuard, stoppedByLease, type LeaseGrant } from './lease-guard.js';

const grant: LeaseGrant = { name: 'flow:tick', fence: 7, ttlMs: 60_000, marginMs: 15_000 };
const outcome = (status: AttemptOutcome['status'], error?: string): AttemptOutcome =>
  ({ status, exitCode: status === 'succeeded' ? 0 : 143, signal: null, startedAt: 1, endedAt: 2, ...(error && { error }) });

test('an attempt stopped by its lease is lost (retried), not aborted or failed; one that succeeded first counts', () => {
  const dir = tempDir('ordo-lease-guard-');
  const expired: string[] = [];
  const guard = new LeaseGuard(dir.path, (key) => expired.push(key));
  try {
    guard.renewed('1/1/1', grant, performance.now());
    assert.equal(guard.isOver('1/1/1'), false, 'within its lease');
    guard.lost('1/1/1');
    assert.deepEqual(expired, ['1/1/1']);
    assert.equal(guard.isOver('1/1/1'), true, 'a refused renewal ends it');
    guard.renewed('1/1/2', grant, performance.now() - grant.ttlMs);
    assert.equal(guard.isOver('1/1/2'), true, 'a confirmation older than the lease');
    assert.equal(guard.isOver('9/9/9'), false, 'not a singleton attempt');

    const lost = stoppedByLease(outcome('aborted', 'its singleton lease (flow:tick, fence 7) was not renewed in time'), grant);
    assert.equal(lost.status, 'lost');
    assert.match(lost.error ?? '', /^lost: its singleton lease \(flow:tick, fence 7\) ran out before the job ended/);
    assert.equal(stoppedByLease(outcome('failed', 'its singleton lease ran out before the job could start'), grant).status, 'lost');
    assert.deepEqual(stoppedByLease(outcome('succeeded'), grant), outcome('succeeded'));
  } finally {
    guard.close();
    dir.cleanup();
  }
});
