/**
 * Command attempts on agentless hosts, against a real OpenSSH server on loopback (test/support/sshd.ts):
 * output, exit status, ORDO_INPUT/ORDO_RESULT, timeout killing the remote group, abort, the ways a
 * connection fails (wrong key, unknown host key, host down) and a re-attach after the engine stopped.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CommandLine, JobDef } from '../../src/defs/model.js';
import type { AttemptRequest } from '../../src/engine/ports.js';
import type { SshHost } from '../../src/exec/ssh/connect.js';
import { SshAttempt } from '../../src/exec/ssh/ssh-attempt.js';
import { outputFile, runLogFile } from '../../src/exec/paths.js';
import { freePort } from '../support/ports.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import { tempDir, type TempDir } from '../support/tmp.js';

const sh = (script: string): CommandLine => ({ kind: 'shell', shell: ['sh', '-c'], script });

function job(command: CommandLine, more: Partial<JobDef> = {}): JobDef {
  return {
    name: 'j', kind: 'command', command, env: {}, killGraceMs: 1000, host: 'box',
    retry: { retries: 0, delayMs: 0, backoff: 1, maxDelayMs: 0 },
    successCodes: [0], after: [], enabled: true, extends: [], locks: [], priority: 0, ...more,
  };
}

let attemptNo = 0;
function request(j: JobDef, more: Partial<AttemptRequest> = {}): AttemptRequest {
  return { runId: `r${process.pid}`, taskId: 1, flow: 'f', job: j, attempt: ++attemptNo, token: 1, input: {}, env: {}, logMaxBytes: 1 << 20, ...more };
}

/** Gone = no such process, or a zombie. The sshd runs on this machine, so its processes are ours to see. */
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

async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) if (cond()) return true;
  return cond();
}

describe('command jobs over SSH', () => {
  let sshd: Sshd;
  let state: TempDir;
  let box: SshHost;

  before(async () => {
    sshd = await startSshd();
    state = tempDir('ordo-ssh-state-');
    box = {
      name: 'box', transport: 'ssh', address: '127.0.0.1', labels: {}, slots: 4,
      ssh: { user: sshd.user, port: sshd.port, key: sshd.keyFile, knownHosts: sshd.knownHostsFile, hostKey: 'strict' },
    };
  });
  after(async () => {
    await sshd.stop();
    state.cleanup();
  });

  const run = (req: AttemptRequest, host = box) => new SshAttempt(req, host, state.path, Date.now(), 'start');

  it('runs a job: live output in the attempt files, env, cwd, input and result, exit 0', async () => {
    const req = request(job(sh('echo "out $GREETING $(pwd)"; echo err >&2; cat "$ORDO_INPUT"; echo \'{"rows": 3}\' > "$ORDO_RESULT"'), {
      env: { GREETING: "it's me" }, cwd: '/tmp',
    }), { input: { params: { day: '2026-12-05' } } });
    const o = await run(req).done;
    assert.equal(o.status, 'succeeded', o.error);
    assert.equal(o.exitCode, 0);
    assert.deepEqual(o.result, { rows: 3 });
    const out = readFileSync(outputFile(state.path, req.runId, 'j', req.attempt, 'stdout'), 'utf8');
    assert.equal(out, 'out it\'s me /tmp\n{"params":{"day":"2026-12-05"}}');
    assert.equal(readFileSync(outputFile(state.path, req.runId, 'j', req.attempt, 'stderr'), 'utf8'), 'err\n');
    const log = readFileSync(runLogFile(state.path, req.runId), 'utf8');
    assert.match(log, new RegExp(`START \\S+ job=j attempt=${req.attempt} host=box`));
    assert.match(log, new RegExp(`FINISH \\S+ job=j attempt=${req.attempt} duration=\\d+ms status=succeeded exit=0`));
    // The attempt's directory on the host is gone.
    assert.equal(existsSync(`/tmp/ordo-ssh.${req.runId}.j.${req.attempt}`), false);
  });

  it('hides the secret values the job was given in its output, result and attempt log', async () => {
    const req = request(job(sh('echo "pw=$PW"; echo "$PW" >&2; printf \'{"token": "%s"}\' "$PW" > "$ORDO_RESULT"'), { env: { PW: 'hunter2-secret' } }),
      { mask: ['hunter2-secret'] });
    const o = await run(req).done;
    assert.equal(o.status, 'succeeded', o.error);
    assert.deepEqual(o.result, { token: '***' });
    assert.equal(readFileSync(outputFile(state.path, req.runId, 'j', req.attempt, 'stdout'), 'utf8'), 'pw=***\n');
    assert.equal(readFileSync(outputFile(state.path, req.runId, 'j', req.attempt, 'stderr'), 'utf8'), '***\n');
    assert.doesNotMatch(readFileSync(runLogFile(state.path, req.runId), 'utf8'), /hunter2/);
  });

  it('applies limits as ulimits of the login shell, and says how', async () => {
    const req = request(job(sh('ulimit -n; ulimit -v'), { limits: { nofile: 77, memoryBytes: 256 * 1024 * 1024, cpu: 0.5 } }));
    const o = await run(req).done;
    assert.equal(o.status, 'succeeded', o.error);
    assert.equal(readFileSync(outputFile(state.path, req.runId, 'j', req.attempt, 'stdout'), 'utf8'), `77\n${256 * 1024}\n`);
    assert.deepEqual(Object.keys(o.limits ?? {}).sort(), ['cpu', 'memory', 'nofile']);
    assert.match(o.limits!.cpu!, /not applied over SSH/);
  });

  it('reports a failing command with its exit code, and an argv job as given', async () => {
    const failing = await run(request(job(sh('exit 3')))).done;
    assert.equal(failing.status, 'failed');
    assert.equal(failing.exitCode, 3);
    const missing = await run(request(job({ kind: 'argv', argv: ['/no/such/program'] }))).done;
    assert.equal(missing.status, 'failed');
    assert.equal(missing.exitCode, 127);
    const nowhere = await run(request(job(sh('true'), { cwd: '/no/such/dir' }))).done;
    assert.equal(nowhere.exitCode, 126);
  });

  it('a timeout kills the remote process group, grandchildren included', async () => {
    const pids = join(state.path, 'pids');
    const req = request(job(sh(`sleep 300 & echo $! > ${pids}; echo $$ >> ${pids}; wait`), { timeoutMs: 1500 }));
    const o = await run(req).done;
    assert.equal(o.status, 'timeout');
    assert.equal(o.signal, 'SIGTERM');
    const [sleeper, shell] = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    assert.ok(await waitFor(() => isGone(sleeper!) && isGone(shell!)), 'no process of the job is left on the host');
    assert.match(readFileSync(runLogFile(state.path, req.runId), 'utf8'), new RegExp(`TIMEOUT \\S+ job=j attempt=${req.attempt} after 1500ms`));
  });

  it('an abort stops the job; a job ignoring TERM is killed after killGrace', async () => {
    const pidFile = join(state.path, 'stubborn');
    const a = run(request(job(sh(`trap '' TERM; echo $$ > ${pidFile}; while :; do sleep 0.1; done`), { killGraceMs: 500 })));
    assert.ok(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n')));
    a.stop('aborted', 'by the test');
    const o = await a.done;
    assert.equal(o.status, 'aborted');
    assert.equal(o.signal, 'SIGKILL');
    assert.ok(await waitFor(() => isGone(Number(readFileSync(pidFile, 'utf8')))));
  });

  it('a wrong key fails the attempt with an authentication reason', async () => {
    const o = await run(request(job(sh('true'))), { ...box, ssh: { ...box.ssh, key: sshd.otherKeyFile } }).done;
    assert.equal(o.status, 'failed');
    assert.match(o.error ?? '', /^authentication failed for .*@127\.0\.0\.1:\d+ with key .*other_ed25519: wrong key/);
  });

  it('an unknown host key is refused unless hostKey is accept-new, which writes it to knownHosts', async () => {
    const known = join(state.path, 'known_hosts');
    writeFileSync(known, '# nothing yet\n');
    const strict = await run(request(job(sh('true'))), { ...box, ssh: { ...box.ssh, knownHosts: known } }).done;
    assert.equal(strict.status, 'failed');
    assert.match(strict.error ?? '', /^unknown host key: \[127\.0\.0\.1\]:\d+ is not in .*known_hosts \(add it with ssh-keyscan/);
    const accepted = await run(request(job(sh('true'))), { ...box, ssh: { ...box.ssh, knownHosts: known, hostKey: 'accept-new' } }).done;
    assert.equal(accepted.status, 'succeeded', accepted.error);
    const line = readFileSync(known, 'utf8').split('\n')[1]!;
    assert.equal(line.split(' ').slice(0, 3).join(' '), sshd.hostKeyLine);
    // A changed key is never accepted.
    writeFileSync(known, `${sshd.hostKeyLine.split(' ')[0]} ssh-ed25519 ${readFileSync(`${sshd.otherKeyFile}.pub`, 'utf8').split(' ')[1]}\n`);
    const changed = await run(request(job(sh('true'))), { ...box, ssh: { ...box.ssh, knownHosts: known, hostKey: 'accept-new' } }).done;
    assert.match(changed.error ?? '', /^host key of \[127\.0\.0\.1\]:\d+ does not match/);
  });

  it('a host that is down fails the attempt saying so', async () => {
    const port = await freePort();
    const o = await run(request(job(sh('true'))), { ...box, ssh: { ...box.ssh, port } }).done;
    assert.equal(o.status, 'failed');
    assert.match(o.error ?? '', new RegExp(`^host down: connection to .*@127\\.0\\.0\\.1:${port} refused`));
  });

  it('after an engine restart the attempt is lost and its remote group killed', async () => {
    const pidFile = join(state.path, 'orphan');
    const req = request(job(sh(`echo $$ > ${pidFile}; sleep 300`)));
    const first = run(req);
    assert.ok(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n')));
    first.abandon(false); // the engine stops; the job goes on
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.equal(isGone(pid), false);
    const again = await new SshAttempt(req, box, state.path, Date.now(), 'reattach').done;
    assert.equal(again.status, 'lost');
    assert.match(again.error ?? '', /what was left of its process group on the host was killed/);
    assert.ok(await waitFor(() => isGone(pid)));
    const gone = await new SshAttempt(req, box, state.path, Date.now(), 'reattach').done;
    assert.match(gone.error ?? '', /it had already ended/);
  });
});
