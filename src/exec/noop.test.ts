import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobDef } from '../defs/model.js';
import type { AttemptRequest } from '../engine/ports.js';
import { NoopExecutor } from './noop.js';

function request(env: Record<string, string> = {}): AttemptRequest {
  const job: JobDef = {
    name: 'n', kind: 'noop', env, killGraceMs: 1000, retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 },
    successCodes: [0], after: [], enabled: true, extends: [], locks: [], priority: 0,
  };
  return { runId: '1', taskId: 1, flow: 'f', job, attempt: 1, token: 1, input: {}, env: {}, logMaxBytes: 1000 };
}

describe('NoopExecutor', () => {
  it('runs noop jobs', () => {
    assert.deepEqual(new NoopExecutor().kinds, ['noop']);
  });

  it('succeeds on a microtask', async () => {
    const o = await new NoopExecutor().start(request()).done;
    assert.equal(o.status, 'succeeded');
    assert.equal(o.exitCode, 0);
    assert.equal(o.signal, null);
    assert.ok(o.startedAt <= o.endedAt);
  });

  it('fails when ORDO_NOOP_FAIL=1', async () => {
    const o = await new NoopExecutor().start(request({ ORDO_NOOP_FAIL: '1' })).done;
    assert.equal(o.status, 'failed');
    assert.equal(o.exitCode, 1);
  });

  it('is aborted by an abort before it completes, and ignores one after', async () => {
    const exec = new NoopExecutor();
    const h = exec.start(request());
    h.abort('stop');
    assert.equal((await h.done).status, 'aborted');
    const h2 = exec.start(request());
    assert.equal((await h2.done).status, 'succeeded');
    h2.abort('late');
    assert.equal((await h2.done).status, 'succeeded');
  });
});
