import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../../test/support/tmp.js';
import type { CommandLine, JobDef } from '../defs/model.js';
import type { AttemptRequest } from '../engine/ports.js';
import { LocalProcessExecutor } from './local.js';
import { listAttempts, readAttemptLog } from './logs.js';
import { readRecord } from './supervisor.js';
import { REPO_BIN, attemptDir, inputsDir, orderFile, outputFile, procFile, procsDir, resultFile, resultsDir, runDir, runLogFile } from './paths.js';

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

/** How many of this process's file descriptors are open on `path` (Linux). */
function openFilesOn(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
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
  const out = (req: AttemptRequest, stream: 'stdout' | 'stderr' = 'stdout') =>
    readFileSync(outputFile(stateDir, req.runId, req.job.name, req.attempt, stream), 'utf8');
  /** The attempt's lines of its run's attempts.log. */
  const record = (req: AttemptRequest) => readAttemptLog(stateDir, req.runId, req.job.name, req.attempt, 'attempt');

  before(() => {
    dir = tempDir('ordo-exec-');
    stateDir = join(dir.path, 'state');
    projectDir = join(dir.path, 'project');
    mkdirSync(join(projectDir, 'sub'), { recursive: true });
    exec = new LocalProcessExecutor({ stateDir, projectDir });
  });
  after(() => {
    exec.close();
    dir.cleanup();
  });

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
      { env: { FROM_REQ: 'r1', SHARED: 'req' }, input: { run: 7, flow: 'f', job: 'j', attempt: 1, params: { n: 3 }, s: 'x y' } });
    const o = await exec.start(req).done;
    assert.equal(o.status, 'succeeded', o.error);
    const lines = out(req).split('\n');
    assert.equal(lines[0], realpathSync(join(projectDir, 'sub')));
    assert.equal(lines[1], 'j1 r1 req');
    const text = out(req);
    const inputText = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
    // Which run, flow, job and attempt is in the environment, not in the (shared) input document.
    assert.deepEqual(JSON.parse(inputText), { params: { n: 3 }, s: 'x y' });
    const rest = text.slice(text.lastIndexOf('}') + 2).split('\n');
    assert.equal(rest[0], attemptDir(stateDir, req.runId, 'j', req.attempt));
    assert.equal(rest[1], resultFile(stateDir, req.runId, 'j', req.attempt));
    assert.equal(rest[1], join(stateDir, 'runs', req.runId, 'results', `j.${req.attempt}.json`));
    assert.ok(rest[2]?.startsWith(`${REPO_BIN}:`), rest[2]);
    assert.equal(rest[3], join(REPO_BIN, 'ordo'));
  });

  it('reads the result object and removes a stale one first', async () => {
    const req = request(job(sh('echo \'{"rows": 12, "ok": true}\' > "$ORDO_RESULT"')));
    const o = await exec.start(req).done;
    assert.equal(o.status, 'succeeded');
    assert.deepEqual(o.result, { rows: 12, ok: true });

    // A run directory left from before (the state directory outlived its store), holding files of an
    // attempt with the same number.
    const stale = request(job(argv('true')), { runId: 'stale' });
    mkdirSync(attemptDir(stateDir, stale.runId, 'j', stale.attempt), { recursive: true });
    mkdirSync(resultsDir(stateDir, stale.runId), { recursive: true });
    writeFileSync(resultFile(stateDir, stale.runId, 'j', stale.attempt), '{"old": 1}');
    writeFileSync(outputFile(stateDir, stale.runId, 'j', stale.attempt, 'stdout'), 'old output');
    writeFileSync(outputFile(stateDir, stale.runId, 'j', stale.attempt, 'stderr'), 'old errors');
    const o2 = await exec.start(stale).done;
    assert.equal(o2.status, 'succeeded');
    assert.equal(o2.result, undefined);
    // `true` prints nothing, so no log file is created in place of the stale ones.
    assert.equal(existsSync(resultFile(stateDir, stale.runId, 'j', stale.attempt)), false);
    assert.equal(existsSync(outputFile(stateDir, stale.runId, 'j', stale.attempt, 'stdout')), false);
    assert.equal(existsSync(outputFile(stateDir, stale.runId, 'j', stale.attempt, 'stderr')), false);
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

  it("records START and FINISH in the run's attempts.log", async () => {
    const req = request(job(argv('sh', '-c', 'exit 2')));
    const o = await exec.start(req).done;
    assert.equal(o.exitCode, 2);
    const lines = (await record(req)).trimEnd().split('\n');
    assert.equal(lines.length, 2);
    const me = `job=j attempt=${req.attempt}`;
    // The pid is the supervisor's (the job's own is the outcome's, and its process group).
    const supervisor = readRecord(procFile(stateDir, req.runId, 'j', req.attempt, 'pid'))!;
    assert.equal(supervisor.pgid, o.pid);
    assert.match(lines[0]!, new RegExp(`^START \\d{4}-\\d\\d-\\d\\dT\\S+Z ${me} pid=${supervisor.pid} argv=\\["sh","-c","exit 2"\\]$`));
    assert.match(lines[1]!, new RegExp(`^FINISH \\S+Z ${me} duration=\\d+ms status=failed exit=2 signal=-$`));
    assert.ok(readFileSync(runLogFile(stateDir, req.runId), 'utf8').includes(`${lines[0]}\n`));
  });

  it('on timeout stops the whole process group, grandchildren included', async () => {
    const req = request(job(sh('mkdir -p "$ORDO_LOG_DIR"; sleep 30 & echo $! > "$ORDO_LOG_DIR/grandchild"; sleep 30'), { timeoutMs: 300, killGraceMs: 2000 }));
    const o = await exec.start(req).done;
    assert.equal(o.status, 'timeout');
    assert.equal(o.exitCode, null);
    assert.equal(o.signal, 'SIGTERM');
    const grandchild = Number(readFileSync(join(attemptDir(stateDir, req.runId, 'j', req.attempt), 'grandchild'), 'utf8'));
    assert.ok(grandchild > 0);
    assert.ok(await waitGone(grandchild), `grandchild ${grandchild} still alive`);
    const lines = await record(req);
    assert.match(lines, /\nTIMEOUT \S+ job=j attempt=\d+ after 300ms\n/);
    assert.match(lines, /\nFINISH .* status=timeout exit=- signal=SIGTERM\n$/);
  });

  it('sends SIGKILL after the grace period to a group that ignores SIGTERM', async () => {
    const req = request(job(sh('trap "" TERM; echo ready; sleep 30'), { timeoutMs: 200, killGraceMs: 300 }));
    const o = await exec.start(req).done;
    assert.equal(o.status, 'timeout');
    assert.equal(o.signal, 'SIGKILL');
    assert.match(await record(req), /\nKILL \S+ job=j attempt=\d+ SIGKILL to process group \d+ after 300ms\n/);
  });

  it('SIGKILLs, after the grace period, a group member that ignores SIGTERM and outlives the leader', async () => {
    // The subshell holds no pipe, so the attempt ends when the leader dies; the straggler is killed later.
    const script = 'mkdir -p "$ORDO_LOG_DIR"; (trap "" TERM; sleep 30) >/dev/null 2>&1 & echo $! > "$ORDO_LOG_DIR/straggler"; sleep 30';
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
    assert.match(await record(req), /\nABORT \S+ job=j attempt=\d+ operator said so\n/);
    handle.abort('again'); // after the end: ignored, does not throw
  });

  it('reports a program that cannot start as a failed outcome', async () => {
    const req = request(job(argv('nosuchprog-ordo-test', 'x')));
    const o = await exec.start(req).done;
    assert.equal(o.status, 'failed');
    assert.equal(o.exitCode, null);
    assert.equal(o.error, 'cannot start "nosuchprog-ordo-test": ENOENT');
    assert.match(await record(req), /\nERROR \S+ job=j attempt=\d+ cannot start "nosuchprog-ordo-test": ENOENT\nFINISH .* status=failed exit=- signal=-\n$/);
  });

  it('records the order of stdout and stderr output, so that both read back interleaved as written', async () => {
    // The job waits for the test to see each write land in its file before it writes to the other stream:
    // the order is then the job's, whatever the scheduling of the two pipes.
    const wait = (f: string) => `i=0; while [ ! -e ${f} ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done`;
    const req = request(job(sh(`echo one; ${wait('go1')}; echo err1 >&2; ${wait('go2')}; echo two; echo three; ${wait('go3')}; echo err2 >&2`), { cwd: 'order' }));
    mkdirSync(join(projectDir, 'order'));
    const handle = exec.start(req);
    const seen = async (stream: 'stdout' | 'stderr', text: string) => {
      for (let i = 0; i < 500; i++) {
        if (existsSync(outputFile(stateDir, req.runId, 'j', req.attempt, stream)) && out(req, stream).includes(text)) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.fail(`${stream} never showed ${text}`);
    };
    await seen('stdout', 'one');
    writeFileSync(join(projectDir, 'order', 'go1'), '');
    await seen('stderr', 'err1');
    writeFileSync(join(projectDir, 'order', 'go2'), '');
    await seen('stdout', 'three');
    writeFileSync(join(projectDir, 'order', 'go3'), '');
    assert.equal((await handle.done).status, 'succeeded');
    assert.equal(await readAttemptLog(stateDir, req.runId, 'j', req.attempt, 'all'), 'one\nerr1\ntwo\nthree\nerr2\n');
    assert.equal(await readAttemptLog(stateDir, req.runId, 'j', req.attempt, 'stdout'), 'one\ntwo\nthree\n');
    assert.equal(readFileSync(orderFile(stateDir, req.runId, 'j', req.attempt), 'utf8'), 'o 4\ne 5\no 10\ne 5\n');
  });

  it('writes no order file for a job that used one stream only', async () => {
    const req = request(job(sh('echo a; echo b')));
    await exec.start(req).done;
    assert.equal(await readAttemptLog(stateDir, req.runId, 'j', req.attempt, 'all'), 'a\nb\n');
    assert.equal(existsSync(orderFile(stateDir, req.runId, 'j', req.attempt)), false);
  });

  it('reports a missing working directory as a failed outcome', async () => {
    const o = await exec.start(request(job(argv('true'), { cwd: 'no/such/dir' }))).done;
    assert.equal(o.status, 'failed');
    assert.match(o.error ?? '', /^cannot start "true": working directory "no\/such\/dir" \(of the project\) does not exist$/);
  });

  it('fails without throwing when the state directory cannot be written', async () => {
    const blocked = join(dir.path, 'a-file');
    writeFileSync(blocked, '');
    const bad = new LocalProcessExecutor({ stateDir: blocked, projectDir });
    const o = await bad.start(request(job(argv('true')))).done;
    assert.equal(o.status, 'failed');
    assert.match(o.error ?? '', /^cannot prepare the attempt files: .*\$ORDO_HOME\/runs/);
    assert.ok(!(o.error ?? '').includes(dir.path), `the server's own path leaks: ${o.error}`);
    assert.equal(existsSync(join(blocked, 'runs')), false);
    bad.close();
  });
  it("creates nothing per attempt for a silent job without a result, besides its supervisor's record and status", async () => {
    const runId = 'silent';
    const input = (name: string, n: number) => ({ run: 1, flow: 'f', job: name, attempt: n, params: { day: '2025-01-01' }, results: {} });
    const first = request(job(argv('true')), { runId, attempt: 1, input: input('j', 1) });
    assert.equal((await exec.start(first).done).status, 'succeeded');
    const shared = ['attempts.log', 'inputs', 'procs', 'results'];
    assert.deepEqual(readdirSync(runDir(stateDir, runId)).sort(), shared);
    assert.equal(readdirSync(inputsDir(stateDir, runId)).length, 1);
    assert.deepEqual(readdirSync(resultsDir(stateDir, runId)), []);
    // More attempts with the same params, of this job and of another: nothing new.
    const more = [
      request(job(argv('true')), { runId, attempt: 2, input: input('j', 2) }),
      request(job(argv('true'), { name: 'k' }), { runId, attempt: 1, input: input('k', 1) }),
    ];
    for (const o of await Promise.all(more.map((r) => exec.start(r).done))) assert.equal(o.status, 'succeeded');
    assert.deepEqual(readdirSync(runDir(stateDir, runId)).sort(), shared);
    assert.equal(readdirSync(inputsDir(stateDir, runId)).length, 1);
    assert.deepEqual(readdirSync(resultsDir(stateDir, runId)), []);
    assert.deepEqual(readdirSync(procsDir(stateDir, runId)).sort(), ['j.1.pid', 'j.1.status', 'j.2.pid', 'j.2.status', 'k.1.pid', 'k.1.status']);
    assert.deepEqual(await listAttempts(stateDir, runId, 'j'), [1, 2]);
    assert.deepEqual(await listAttempts(stateDir, runId, 'k'), [1]);
  });

  it('shares one read-only input file between the attempts with the same params and results', async () => {
    const runId = 'inputs';
    const script = 'echo "$ORDO_INPUT"';
    const a = request(job(sh(script)), { runId, input: { run: 9, job: 'j', attempt: 1, params: { n: 1 }, results: {} } });
    const b = request(job(sh(script), { name: 'k' }), { runId, input: { run: 9, job: 'k', attempt: 3, params: { n: 1 }, results: {} } });
    const c = request(job(sh(script), { name: 'm' }), { runId, input: { run: 9, params: { n: 1 }, results: { j: { rows: 2 } } } });
    for (const r of [a, b, c]) assert.equal((await exec.start(r).done).status, 'succeeded');
    const [pa, pb, pc] = [a, b, c].map((r) => out(r).trim());
    assert.equal(pa, pb);
    assert.notEqual(pa, pc);
    assert.deepEqual(JSON.parse(readFileSync(pa!, 'utf8')), { params: { n: 1 }, results: {} });
    assert.deepEqual(JSON.parse(readFileSync(pc!, 'utf8')), { params: { n: 1 }, results: { j: { rows: 2 } } });
    assert.deepEqual(readdirSync(inputsDir(stateDir, runId)).sort(), [pa, pc].map((p) => p!.slice(p!.lastIndexOf('/') + 1)).sort());
    assert.equal(statSync(pa!).mode & 0o222, 0);
  });

  it('makes the attempt directory with the first output, and a file only for a stream that had output', async () => {
    const req = request(job(sh('echo warn >&2')), { runId: 'lazy' });
    assert.equal((await exec.start(req).done).status, 'succeeded');
    assert.equal(out(req, 'stderr'), 'warn\n');
    assert.deepEqual(readdirSync(attemptDir(stateDir, req.runId, 'j', req.attempt)), ['stderr.log']);
  });

  it('keeps the lines of each job, attempt and run apart', async () => {
    const reqs: AttemptRequest[] = [];
    for (const runId of ['mixA', 'mixB']) {
      for (const name of ['a', 'b']) {
        for (const n of [1, 2]) reqs.push(request(job(sh(`echo ${runId}-${name}-${n}; exit ${n}`), { name }), { runId, attempt: n }));
      }
    }
    const outcomes = await Promise.all(reqs.map((r) => exec.start(r).done));
    for (const [i, r] of reqs.entries()) {
      const lines = (await record(r)).trimEnd().split('\n');
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.match(lines[0]!, new RegExp(`^START \\S+ job=${r.job.name} attempt=${r.attempt} pid=\\d+ `));
      assert.equal(outcomes[i]!.exitCode, r.attempt);
      assert.match(lines[1]!, new RegExp(`^FINISH \\S+ job=${r.job.name} attempt=${r.attempt} .* exit=${r.attempt} signal=-$`));
      assert.equal(out(r), `${r.runId}-${r.job.name}-${r.attempt}\n`);
    }
    for (const runId of ['mixA', 'mixB']) {
      assert.equal(readFileSync(runLogFile(stateDir, runId), 'utf8').trimEnd().split('\n').length, 8);
      assert.deepEqual(await listAttempts(stateDir, runId, 'a'), [1, 2]);
      assert.deepEqual(await listAttempts(stateDir, runId, 'c'), []);
    }
    assert.equal(await readAttemptLog(stateDir, 'mixA', 'a', 3, 'attempt'), '');
  });

  it("keeps a run's attempts.log open while it is busy, and closes it on close()", async () => {
    const first = request(job(argv('true')), { runId: 'reopen' });
    await exec.start(first).done;
    const log = runLogFile(stateDir, 'reopen');
    assert.equal(openFilesOn(log), 1);
    exec.close();
    assert.equal(openFilesOn(log), 0);
    const second = request(job(argv('true')), { runId: 'reopen' });
    await exec.start(second).done;
    assert.match(await record(first), /^START .*\nFINISH .*\n$/);
    assert.match(await record(second), /^START .*\nFINISH .*\n$/);
  });

  it("closes a run's attempts.log once the run has had no attempt in flight for idleCloseMs", async () => {
    const quick = new LocalProcessExecutor({ stateDir, projectDir, idleCloseMs: 150 });
    const log = runLogFile(stateDir, 'idle');
    const t0 = Date.now();
    // Attempts one after the other, for longer than the idle delay: the file stays open throughout.
    while (Date.now() - t0 < 300) {
      assert.equal((await quick.start(request(job(argv('true')), { runId: 'idle' })).done).status, 'succeeded');
      assert.equal(openFilesOn(log), 1);
    }
    for (let i = 0; i < 100 && openFilesOn(log) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(openFilesOn(log), 0);
    // A later attempt of the run opens it again, and appends.
    const later = request(job(argv('true')), { runId: 'idle' });
    await quick.start(later).done;
    assert.equal(openFilesOn(log), 1);
    assert.match(await record(later), /^START .*\nFINISH .*\n$/);
    quick.close();
    assert.equal(openFilesOn(log), 0);
  });
});
