/**
 * The real command line: `ordo token|user` against the store, `ordo server --listen` serving the API, and
 * the CLI against it with `--server/--token` (and ORDO_SERVER/ORDO_TOKEN). Child processes, bounded waits.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoPath } from '../../src/paths.js';
import { tempDir, type TempDir } from '../support/tmp.js';
import { PROJECT, waitFor } from './support.js';

const CLI = repoPath('dist/src/cli/main.js');

interface Result { code: number | null; stdout: string; stderr: string }

function baseEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['ORDO_HOME', 'ORDO_PROJECT', 'ORDO_SERVER', 'ORDO_TOKEN', 'ORDO_LISTEN', 'DATABASE_URL', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS']) delete env[k];
  return { ...env, ORDO_HOME: home, ...extra };
}

function ordo(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!;

describe('the CLI: tokens, users, ordo server --listen, and commands against a server', () => {
  let tmp: TempDir;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess;
  let serverErr = '';
  let url: string;
  let token: string;

  before(async () => {
    tmp = tempDir('ordo-api-cli-');
    dir = join(tmp.path, 'project');
    for (const [name, text] of Object.entries(PROJECT)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    env = baseEnv(join(tmp.path, 'state'));
    const created = await ordo(['token', 'create', '--name', 'root', '--role', 'superuser', '--dir', dir], env);
    assert.equal(created.code, 0, created.stderr);
    token = lastLine(created.stdout);
    assert.match(token, /^ordo_[A-Za-z0-9_-]{43}$/);
    server = spawn(process.execPath, [CLI, 'server', '--dir', dir, '--listen', '127.0.0.1:0', '--poll', '100'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr!.setEncoding('utf8').on('data', (d: string) => (serverErr += d));
    url = await waitFor('the API to listen', async () => {
      const line = serverErr.split('\n').find((l) => l.includes('API listening'));
      return line ? (JSON.parse(line) as { url: string }).url : undefined;
    }, 20_000);
  });

  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
      assert.equal(await exited, 0, serverErr);
      clearTimeout(timer);
    }
    tmp.cleanup();
  });

  test('tokens and users: create (token on the last line), list, refuse duplicates, revoke', async () => {
    const dup = await ordo(['token', 'create', '--name', 'root', '--role', 'user', '--dir', dir], env);
    assert.equal(dup.code, 4);
    assert.match(dup.stderr, /ORDO_BAD_STATE/);
    assert.equal((await ordo(['user', 'add', 'alice', '--role', 'operator', '--password-stdin', '--dir', dir], env, 'correct horse\n')).code, 0);
    const users = JSON.parse((await ordo(['user', 'list', '--json', '--dir', dir], env)).stdout) as Array<{ name: string; role: string; hasPassword: boolean }>;
    assert.deepEqual(users.map((u) => [u.name, u.role, u.hasPassword]), [['alice', 'operator', true]]);
    const mine = await ordo(['token', 'create', '--name', 'alice-1', '--user', 'alice', '--dir', dir], env);
    assert.equal(mine.code, 0, mine.stderr);
    assert.match(mine.stdout, /alice-1 \(operator\)/);
    const tooMuch = await ordo(['token', 'create', '--name', 'alice-2', '--user', 'alice', '--role', 'superuser', '--dir', dir], env);
    assert.equal(tooMuch.code, 2);
    const list = JSON.parse((await ordo(['token', 'list', '--json', '--dir', dir], env)).stdout) as Array<{ name: string; user: string | null }>;
    assert.deepEqual(list.map((t) => [t.name, t.user]), [['alice-1', 'alice'], ['root', null]]);
    assert.ok(!JSON.stringify(list).includes('ordo_'), 'secrets are never listed');
    const aliceToken = lastLine(mine.stdout);
    const who = await fetch(`${url}/api/whoami`, { headers: { authorization: `Bearer ${aliceToken}` } });
    assert.deepEqual(await who.json(), { name: 'alice', role: 'operator', permissions: ['public', 'read', 'operate'] });
    assert.equal((await ordo(['token', 'revoke', 'alice-1', '--dir', dir], env)).code, 0);
    assert.equal((await fetch(`${url}/api/whoami`, { headers: { authorization: `Bearer ${aliceToken}` } })).status, 401);
    assert.equal((await ordo(['token', 'revoke', 'alice-1', '--dir', dir], env)).code, 3);
  });

  test('tokens with --expires are listed with their expiry; `ordo user add --replace` demotes the user\'s tokens on the running server', async () => {
    const temp = await ordo(['token', 'create', '--name', 'temp', '--role', 'user', '--expires', '30d', '--dir', dir], env);
    assert.equal(temp.code, 0, temp.stderr);
    assert.match(temp.stdout, /^token temp \(user, valid until \d{4}-\d{2}-\d{2}T[\d:.]+Z\) created/);
    const listed = JSON.parse((await ordo(['token', 'list', '--json', '--dir', dir], env)).stdout) as Array<{ name: string; expiresAt: number | null }>;
    const expiresAt = listed.find((x) => x.name === 'temp')!.expiresAt!;
    assert.ok(Math.abs(expiresAt - (Date.now() + 30 * 86_400_000)) < 60_000, String(expiresAt));
    assert.equal(listed.find((x) => x.name === 'root')!.expiresAt, null);
    const table = (await ordo(['token', 'list', '--dir', dir], env)).stdout;
    assert.match(table.split('\n')[0]!, /EXPIRES$/);
    assert.match(table, new RegExp(`\\ntemp .* ${new Date(expiresAt).toISOString().slice(0, 10)} `));
    assert.match(table, /\nroot .* never\n/);
    const past = await ordo(['token', 'create', '--name', 'old', '--role', 'user', '--expires', '2001-01-01', '--dir', dir], env);
    assert.equal(past.code, 2);
    assert.match(past.stderr, /ORDO_BAD_ARGUMENT --expires must lie in the future/);

    assert.equal((await ordo(['user', 'add', 'dave', '--role', 'operator', '--dir', dir], env)).code, 0);
    const daves = lastLine((await ordo(['token', 'create', '--name', 'dave-1', '--user', 'dave', '--dir', dir], env)).stdout);
    const role = async () => (await (await fetch(`${url}/api/whoami`, { headers: { authorization: `Bearer ${daves}` } })).json() as { role: string }).role;
    assert.equal(await role(), 'operator');
    assert.equal((await ordo(['user', 'add', 'dave', '--role', 'user', '--replace', '--dir', dir], env)).code, 0);
    assert.equal(await role(), 'user', 'the server sees the demotion at the next call');
    const after = JSON.parse((await ordo(['token', 'list', '--json', '--dir', dir], env)).stdout) as Array<{ name: string; role: string }>;
    assert.equal(after.find((x) => x.name === 'dave-1')!.role, 'user');
  });

  test('ordo server refuses an --allow-origin that is not an origin', async () => {
    const bad = await ordo(['server', '--dir', dir, '--listen', '127.0.0.1:0', '--allow-origin', 'console.example.com'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ORDO_BAD_ARGUMENT --allow-origin expects SCHEME:\/\/HOST\[:PORT\]/);
  });

  test('start, show, why, runs, gate, abort, restart against the server', async () => {
    const remote = ['--server', url, '--token', token];
    const started = await ordo(['start', 'quick', '--json', ...remote], env);
    assert.equal(started.code, 0, started.stderr);
    const { run } = JSON.parse(started.stdout) as { run: number };
    const doc = await waitFor('the run to succeed', async () => {
      const r = await ordo(['show', String(run), '--json', ...remote], env);
      const d = JSON.parse(r.stdout) as { run: { state: string }; tasks: Array<{ job: string; state: string }> };
      return d.run.state === 'succeeded' ? d : undefined;
    }, 20_000);
    assert.deepEqual(doc.tasks.map((t) => [t.job, t.state]), [['a', 'succeeded'], ['b', 'succeeded']]);
    const viaEnv = baseEnv(join(tmp.path, 'elsewhere'), { ORDO_SERVER: url.replace(/^http:\/\//, ''), ORDO_TOKEN: token });
    const why = await ordo(['why', String(run), 'b'], viaEnv);
    assert.equal(why.stdout, `run ${run} b is succeeded: the run has ended (succeeded)\n`);
    assert.match((await ordo(['show', String(run)], viaEnv)).stdout, new RegExp(`^run ${run}  flow quick  succeeded`));
    assert.match((await ordo(['runs', '--flow', 'quick'], viaEnv)).stdout, new RegExp(`\\n${run} +quick +succeeded`));
    assert.equal((await ordo(['gate', 'open', 'eod', '--reason', 'cli'], viaEnv)).stdout, 'gate eod opened\n');
    assert.equal((await ordo(['gate', 'close', 'eod'], viaEnv)).stdout, 'gate eod closed\n');
    const abort = await ordo(['abort', String(run)], viaEnv);
    assert.equal(abort.code, 4);
    assert.match(abort.stderr, /^ordo: ORDO_BAD_STATE run \d+ has ended \(succeeded\)\n$/);
    const restarted = await ordo(['restart', String(run), 'b', '--mode', 'only', '--json'], viaEnv);
    assert.deepEqual(JSON.parse(restarted.stdout), { run, job: 'b', jobs: ['b'] });
    await waitFor('the reopened run to succeed again', async () => {
      const d = JSON.parse((await ordo(['show', String(run), '--json'], viaEnv)).stdout) as { run: { state: string } };
      return d.run.state === 'succeeded' ? true : undefined;
    }, 20_000);
    assert.equal((await ordo(['logs', String(run), 'a'], viaEnv)).code, 3, 'a noop job has no output');
  });

  test('refusals: no token (exit 7), a token without the permission (7), no server (8)', async () => {
    const noToken = await ordo(['runs', '--server', url], env);
    assert.equal(noToken.code, 7);
    assert.match(noToken.stderr, /ORDO_UNAUTHENTICATED/);
    const wrong = await ordo(['runs', '--server', url, '--token', 'ordo_nope'], env);
    assert.equal(wrong.code, 7);
    const created = await ordo(['token', 'create', '--name', 'reader', '--role', 'user', '--dir', dir], env);
    const reader = lastLine(created.stdout);
    const forbidden = await ordo(['start', 'quick', '--server', url, '--token', reader], env);
    assert.equal(forbidden.code, 7);
    assert.match(forbidden.stderr, /ORDO_FORBIDDEN the role user may not call runs.start/);
    const gone = await ordo(['runs', '--server', 'http://127.0.0.1:9', '--token', token], env);
    assert.equal(gone.code, 8);
    assert.match(gone.stderr, /ORDO_UNAVAILABLE/);
  });
});
