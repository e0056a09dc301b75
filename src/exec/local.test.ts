import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../../test/support/tmp.js';
import type { CommandLine, JobDef } from '../defs/model.js';
import type { AttemptRequest } from '../engine/ports.js';
import { LocalProcessExecutor } from './local.js';
import { REPO_BIN, attemptDir, attemptFile } from './paths.js';

const sh = (script: string): CommandLine => ({ kind: 'shell', shell: ['sh', '-c'], script });
const argv = (...args: string[]): CommandLine => ({ kind: 'argv', argv: args });

function job(command: CommandLine, more: Partial<JobDef> = {}): JobDef {
  return {
    name: 'j', kind: 'command', command, env: {}, killGraceMs: 2000,
    retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 },
    successCodes: [0], after: [], enabled: true, extends: [], locks: [], priority: 0, ...more,
  };
}

let attemptNo = 0;
function request(j: JobDef, more: Partial<AttemptRequest> = {}): AttemptRequest {
  // A fresh attempt number per request, so that tests never share an attempt directory.
  return { runId: '7', taskId: 1, flow: 'f', job: j, attempt: ++attemptNo, token: 1, input: {}, env: {}, logMaxBytes: 1 << 20, ...more };
}

/** Gone = no such process, or a zombie waiting for a parent (the container's pid 1 may not reap orphans). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitGone(pid: number, ms = 3000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    if (isGone(pid)) return true;
  }
  return isGone(pid);
}

describe('LocalProcessExecutor', () => {
  let dir: TempDir;
  let exec: LocalProcessExecutor;
  let stateDir: string;
  let projectDir: string;
  const out = (req: AttemptRequest, kind: 'stdout' | 'stderr' | 'attempt' = 'stdout') =>
    readFileSync(attemptFile(stateDir, req.runId, req.job.name, req.attempt, kind), 'utf8');

  before(() => {
    dir = tempDir('ordo-exec-');
    stateDir = join(dir.path, 'state');
    projectDir = join(dir.path, 'project');
    mkdirSync(join(projectDir, 'sub'), { recursive: true });
    exec = new LocalProcessExecutor({ stateDir, projectDir });
  });
  after(() => dir.cleanup());

  it('passes argv without a shell', async () => {
    const nasty = '$(echo hi); rm -rf x *';
    const req = request(job(argv('printf', '%s|%s', nasty, 'two words'), { cwd: 'sub' }));
    const o = await exec.start(req).done;
    assert.equal(o.status, 'succeeded');
    assert.equal(o.exitCode, 0);
    assert.equal(out(req), `${nasty}|two words`);
    assert.equal(typeof o.pid, 'number');
    assert.ok(o.startedAt <= o.endedAt);
  });

  it('runs in the job cwd resolved against the project, with the job, request and ORDO_* environment', async () => {
    const script = 'pwd -P; echo "$FROM_JOB $FROM_REQ $SHARED"; cat "$ORDO_INPUT"; echo "$ORDO_LOG_DIR"; echo "$ORDO_RESULT"; echo "$PATH"; command -v ordo';
    const req = request(job(sh(script), { cwd: 'sub', env: { FROM_JOB: 'j1', SHARED: 'job' } }),
      { env: { FROM_REQ: 'r1', SHARED: 'req' }, input: { params: { n: 3 }, s: 'x y' } });
    const o = await exec.start(req).done;
    assert.equal(o.status, 'succeeded', o.error);
    const lines = out(req).split('\n');
    assert.equal(lines[0], realpathSync(join(projectDir, 'sub')));
    assert.equal(lines[1], 'j1 r1 req');
    const text = out(req);
    const inputText = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
    assert.deepEqual(JSON.parse(inputText), { params: { n: 3 }, s: 'x y' });
    const rest = text.slice(text.lastIndexOf('}') + 2).split('\n');
    const dirOf = attemptDir(stateDir, req.runId, 'j', req.attempt);
    assert.equal(rest[0], dirOf);
    assert.equal(rest[1], join(dirOf, 'result.json'));
    assert.ok(rest[2]?.startsWith(`${REPO_BIN}:`), rest[2]);
    assert.equal(rest[3], join(REPO_BIN, 'ordo'));
  });

  it('reads the result object and removes a stale one first', async () => {
    const req = request(job(sh('echo \'{"rows": 12, "ok": true}\' > "$ORDO_RESULT"')));
    const o = await exec.start(req).done;
    assert.equal(o.status, 'succeeded');
    assert.deepEqual(o.result, { rows: 12, ok: true });

    const stale = request(job(argv('true')));
    mkdirSync(attemptDir(stateDir, stale.runId, 'j', stale.attempt), { recursive: true });
    writeFileSync(attemptFile(stateDir, stale.runId, 'j', stale.attempt, 'result'), '{"old": 1}');
    writeFileSync(attemptFile(stateDir, stale.runId, 'j', stale.attempt, 'stdout'), 'old output');
    const o2 = await exec.start(stale).done;
    assert.equal(o2.status, 'succeeded');
    assert.equal(o2.result, undefined);
    // `true` prints nothing, so no log file is created in place of the stale one.
    assert.equal(existsSync(attemptFile(stateDir, stale.runId, 'j', stale.attempt, 'stdout')), false);
  });

  it('fails an attempt whose result is not a JSON object', async () => {
    for (const bad of ['[1, 2]', 'null', '42', '{not json']) {
      const req = request(job(sh(`printf '%s' '${bad}' > "$ORDO_RESULT"`)));
      const o = await exec.start(req).done;
      assert.equal(o.status, 'failed', bad);
      assert.equal(o.exitCode, 0);
      assert.match(o.error ?? '', /^ORDO_RESULT file is not a JSON object: /);
      assert.equal(o.result, undefined);
    }
  });

  it('caps each log and marks the truncation, without blocking the job', async () => {
    const req = request(job(sh('head -c 100000 /dev/zero | tr "\\0" a; echo oops >&2')), { logMaxBytes: 1000 });
    const o = await exec.start(req).done;
    assert.equal(o.status, 'succeeded');
    assert.equal(out(req), `${'a'.repeat(1000)}\n[ordo: output truncated at 1000 bytes]\n`);
    assert.equal(out(req, 'stderr'), 'oops\n');
  });

  it('counts successCodes as success', async () => {
    const three = await exec.start(request(job(sh('exit 3'), { successCodes: [0, 3] }))).done;
    assert.equal(three.status, 'succeeded');
    assert.equal(three.exitCode, 3);
    const four = await exec.start(request(job(sh('exit 4'), { successCodes: [0, 3] }))).done;
    assert.equal(four.status, 'failed');
    assert.equal(four.exitCode, 4);
    assert.equal(four.error, undefined);
  });

  it('records START and FINISH in attempt.log', async () => {
    const req = request(job(argv('sh', '-c', 'exit 2')));
    const o = await exec.start(req).done;
    const lines = out(req, 'attempt').trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, new RegExp(`^START \\d{4}-\\d\\d-\\d\\dT\\S+Z pid=${o.pid} attempt=${req.attempt} argv=\\["sh","-c","exit 2"\\]$`));
    assert.match(lines[1]!, /^FINISH \S+Z duration=\d+ms status=failed exit=2 signal=-$/);
  });

  it('on timeout stops the whole process group, grandchildren included', async () => {
    const req = request(job(sh('sleep 30 & echo $! > "$ORDO_LOG_DIR/grandchild"; sleep 30'), { timeoutMs: 300, killGraceMs: 2000 }));
    const o = await exec.start(req).done;
    assert.equal(o.status, 'timeout');
    assert.equal(o.exitCode, null);
    assert.equal(o.signal, 'SIGTERM');
    const grandchild = Number(readFileSync(join(attemptDir(stateDir, req.runId, 'j', req.attempt), 'grandchild'), 'utf8'));
    assert.ok(grandchild > 0);
    assert.ok(await waitGone(grandchild), `grandchild ${grandchild} still alive`);
    assert.match(out(req, 'attempt'), /\nTIMEOUT \S+ after 300ms\n/);
    assert.match(out(req, 'attempt'), /\nFINISH .* status=timeout exit=- signal=SIGTERM\n$/);
  });

  it('sends SIGKILL after the grace period to a group that ignores SIGTERM', async () => {
    const req = request(job(sh('trap "" TERM; echo ready; sleep 30'), { timeoutMs: 200, killGraceMs: 300 }));
    const o = await exec.start(req).done;
    assert.equal(o.status, 'timeout');
    assert.equal(o.signal, 'SIGKILL');
    assert.match(out(req, 'attempt'), /\nKILL \S+ SIGKILL to process group \d+ after 300ms\n/);
  });

  it('SIGKILLs, after the grace period, a group member that ignores SIGTERM and outlives the leader', async () => {
    // The subshell holds no pipe, so the attempt ends when the leader dies; the straggler is killed later.
    const script = '(trap "" TERM; sleep 30) >/dev/null 2>&1 & echo $! > "$ORDO_LOG_DIR/straggler"; sleep 30';
    const req = request(job(sh(script), { timeoutMs: 200, killGraceMs: 300 }));
    const o = await exec.start(req).done;
    assert.equal(o.status, 'timeout');
    assert.equal(o.signal, 'SIGTERM');
    const straggler = Number(readFileSync(join(attemptDir(stateDir, req.runId, 'j', req.attempt), 'straggler'), 'utf8'));
    assert.ok(straggler > 0);
    assert.ok(await waitGone(straggler), `straggler ${straggler} still alive`);
  });

  it('aborts on request', async () => {
    const req = request(job(argv('sleep', '30')));
    const handle = exec.start(req);
    setTimeout(() => handle.abort('operator\nsaid so'), 50);
    const o = await handle.done;
    assert.equal(o.status, 'aborted');
    assert.equal(o.signal, 'SIGTERM');
    assert.match(out(req, 'attempt'), /\nABORT \S+ operator said so\n/);
    handle.abort('again'); // after the end: ignored, does not throw
  });

  it('reports a program that cannot start as a failed outcome', async () => {
    const req = request(job(argv('nosuchprog-ordo-test', 'x')));
    const o = await exec.start(req).done;
    assert.equal(o.status, 'failed');
    assert.equal(o.exitCode, null);
    assert.equal(o.error, 'cannot start "nosuchprog-ordo-test": ENOENT');
    assert.match(out(req, 'attempt'), /\nERROR \S+ cannot start "nosuchprog-ordo-test": ENOENT\nFINISH .* status=failed exit=- signal=-\n$/);
  });

  it('reports a missing working directory as a failed outcome', async () => {
    const o = await exec.start(request(job(argv('true'), { cwd: 'no/such/dir' }))).done;
    assert.equal(o.status, 'failed');
    assert.match(o.error ?? '', /^cannot start "true": working directory ".*no\/such\/dir" does not exist$/);
  });

  it('fails without throwing when the state directory cannot be written', async () => {
    const blocked = join(dir.path, 'a-file');
    writeFileSync(blocked, '');
    const bad = new LocalProcessExecutor({ stateDir: blocked, projectDir });
    const o = await bad.start(request(job(argv('true')))).done;
    assert.equal(o.status, 'failed');
    assert.match(o.error ?? '', /^cannot prepare the attempt directory: /);
    assert.equal(existsSync(join(blocked, 'runs')), false);
  });
});
