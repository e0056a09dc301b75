/**
 * Attempts outlive the executor that started them: a second executor (as an engine that adopted the run
 * would) re-attaches to the supervisor, reports the job's real end, enforces its timeout and aborts it, and
 * reports lost only what is really gone.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../../test/support/tmp.js';
import { poll } from '../../test/support/wait.js';
import type { CommandLine, JobDef } from '../defs/model.js';
import type { AttemptRequest } from '../engine/ports.js';
import { LocalProcessExecutor } from './local.js';
import { outputFile, procFile } from './paths.js';
import { readRecord } from './supervisor.js';

const sh = (script: string): CommandLine => ({ kind: 'shell', shell: ['sh', '-c'], script });

function job(script: string, more: Partial<JobDef> = {}): JobDef {
  return {
    name: 'j', kind: 'command', command: sh(script), env: {}, killGraceMs: 1000,
    retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 },
    successCodes: [0], after: [], enabled: true, extends: [], locks: [], priority: 0, ...more,
  };
}

let attemptNo = 0;
function request(j: JobDef): AttemptRequest {
  return { runId: '5', taskId: 1, flow: 'f', job: j, attempt: ++attemptNo, token: 1, input: {}, env: {}, logMaxBytes: 1 << 20 };
}

describe('re-attaching to attempts', () => {
  let dir: TempDir;
  let stateDir: string;
  let first: LocalProcessExecutor;
  let second: LocalProcessExecutor;

  before(() => {
    dir = tempDir('ordo-reattach-');
    stateDir = join(dir.path, 'state');
    first = new LocalProcessExecutor({ stateDir, projectDir: dir.path });
    second = new LocalProcessExecutor({ stateDir, projectDir: dir.path, recordGraceMs: 300 });
  });
  after(() => {
    first.close();
    second.close();
    dir.cleanup();
  });

  const recordOf = (req: AttemptRequest) => procFile(stateDir, req.runId, req.job.name, req.attempt, 'pid');
  /** Starts an attempt with the first executor and lets go of it, as an engine that died would. */
  async function startAndLeave(req: AttemptRequest): Promise<number> {
    const started = Date.now();
    first.start(req).abandon!(false);
    await waitFor(() => readRecord(recordOf(req)) !== undefined, 'the supervisor record');
    return started;
  }

  it('watches a job that still runs to its real end, exit status and output included', async () => {
    const req = request(job('echo one; sleep 0.6; echo two; exit 3'));
    const started = await startAndLeave(req);
    const o = await second.reattach(req, started).done;
    assert.equal(o.status, 'failed');
    assert.equal(o.exitCode, 3);
    assert.ok(o.endedAt - o.startedAt >= 550, `ran ${o.endedAt - o.startedAt} ms`);
    assert.equal(readFileSync(outputFile(stateDir, req.runId, 'j', req.attempt, 'stdout'), 'utf8'), 'one\ntwo\n');
  });

  it('reports a job that ended while nobody watched, with its true end time', async () => {
    const req = request(job('echo "{\\"rows\\": 4}" > "$ORDO_RESULT"'));
    const started = await startAndLeave(req);
    await waitFor(() => readRecordStatus(req), 'the status file');
    await new Promise((r) => setTimeout(r, 300));
    const o = await second.reattach(req, started).done;
    assert.equal(o.status, 'succeeded');
    assert.deepEqual(o.result, { rows: 4 });
    assert.ok(Date.now() - o.endedAt >= 250, 'the end time is when the job ended, not when it was noticed');
  });

  it("enforces the job's timeout from its original start", async () => {
    const req = request(job('sleep 30', { timeoutMs: 800 }));
    const started = await startAndLeave(req);
    const o = await second.reattach(req, started).done;
    assert.equal(o.status, 'timeout');
    assert.equal(o.signal, 'SIGTERM');
    const took = o.endedAt - started;
    assert.ok(took >= 750, `stopped after ${took} ms`);
    await waitFor(() => !groupAlive(readRecord(recordOf(req))!.pgid), 'the job to be gone');
  });

  it('aborts a re-attached job', async () => {
    const req = request(job('sleep 30'));
    const started = await startAndLeave(req);
    const handle = second.reattach(req, started);
    setTimeout(() => handle.abort('operator'), 100);
    const o = await handle.done;
    assert.equal(o.status, 'aborted');
  });

  it('reports lost an attempt whose supervisor never wrote a record, after the grace period', async () => {
    const req = request(job('true'));
    const o = await second.reattach(req, Date.now()).done;
    assert.equal(o.status, 'lost');
    assert.match(o.error ?? '', /before the job started/);
  });

  it('kills and reports lost a job whose supervisor was killed', async () => {
    const req = request(job('sleep 30'));
    const started = await startAndLeave(req);
    const record = readRecord(recordOf(req))!;
    process.kill(record.pid, 'SIGKILL');
    await waitFor(() => !isRunning(record.pid), 'the supervisor to die');
    const o = await second.reattach(req, started).done;
    assert.equal(o.status, 'lost');
    await waitFor(() => !groupAlive(record.pgid), 'the job to be killed');
  });

  it('kills the job at once when abandoned with kill (the run was lost and nobody took the attempt over)', async () => {
    const req = request(job('sleep 30'));
    const handle = first.start(req);
    await waitFor(() => readRecord(recordOf(req)) !== undefined, 'the supervisor record');
    handle.abandon!(true);
    await waitFor(() => !groupAlive(readRecord(recordOf(req))!.pgid), 'the job to be killed');
  });

  function readRecordStatus(req: AttemptRequest): boolean {
    try {
      readFileSync(procFile(stateDir, req.runId, req.job.name, req.attempt, 'status'));
      return true;
    } catch {
      return false;
    }
  }
});

/** Waits (at most 10 s) until `probe` holds. */
async function waitFor(probe: () => boolean, what: string): Promise<void> {
  await poll(what, () => (probe() ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
}

/**
 * Whether a process of the group still runs. Zombies do not count: a killed job's children are reparented
 * to pid 1, which in a container may never reap them.
 */
function groupAlive(pgid: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/);
    if (fields[2] === String(pgid) && fields[0] !== 'Z') return true;
  }
  return false;
}

/** Alive and not a zombie (a supervisor we spawned stays a zombie until reaped). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
