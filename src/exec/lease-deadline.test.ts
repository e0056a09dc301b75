/**
 * The supervisor's lease watch (bin/ordo-supervise step 5, src/agent/lease-guard.ts): a singleton attempt
 * whose deadline passed before its job could start is not started at all; one whose deadline passes while it
 * runs is stopped (SIGTERM to its group).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../../test/support/tmp.js';
import type { JobDef } from '../defs/model.js';
import type { AttemptRequest } from '../engine/ports.js';
import { LocalProcessExecutor } from './local.js';

const uptime = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);

function request(script: string, deadlineFile: string, attempt: number): AttemptRequest {
  const job: JobDef = {
    name: 'j', kind: 'command', command: { kind: 'shell', shell: ['sh', '-c'], script }, env: {}, killGraceMs: 1000,
    retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 }, successCodes: [0], after: [], enabled: true, extends: [], locks: [], priority: 0,
  };
  return {
    runId: '7', taskId: 1, flow: 'f', job, attempt, token: 1, input: {}, logMaxBytes: 1 << 20,
    env: { ORDO_LEASE_DEADLINE_FILE: deadlineFile, ORDO_LEASE_KILL_GRACE_MS: '200' },
  };
}

describe('the supervisor and a singleton lease deadline', () => {
  let dir: TempDir;
  let exec: LocalProcessExecutor;
  before(() => {
    dir = tempDir('ordo-lease-deadline-');
    exec = new LocalProcessExecutor({ stateDir: join(dir.path, 'state'), projectDir: dir.path });
  });
  after(() => {
    exec.close();
    dir.cleanup();
  });

  it('does not start a job whose deadline has passed (its agent was stopped after confirming the lease)', async () => {
    const deadline = join(dir.path, 'deadline-1');
    writeFileSync(deadline, `${(uptime() - 1).toFixed(3)}\n`);
    const marker = join(dir.path, 'started');
    const o = await exec.start(request(`touch ${marker}`, deadline, 1)).done;
    assert.equal(o.status, 'failed');
    assert.match(o.error ?? '', /its singleton lease ran out before the job could start/);
    assert.equal(existsSync(marker), false, 'the job never ran');
  });

  it('starts a job within its deadline and stops it when the deadline passes', async () => {
    const deadline = join(dir.path, 'deadline-2');
    writeFileSync(deadline, `${(uptime() + 60).toFixed(3)}\n`);
    const marker = join(dir.path, 'running');
    const handle = exec.start(request(`touch ${marker}; trap 'echo stopped; exit 143' TERM; sleep 30 & wait $!`, deadline, 2));
    for (let i = 0; i < 200 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(existsSync(marker), 'the job started');
    writeFileSync(deadline, '0\n');
    const o = await handle.done;
    assert.equal(o.exitCode, 143, JSON.stringify(o));
  });
});
