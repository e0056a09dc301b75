/**
 * `ordo server` on an address it cannot have: the default API port, an explicit `--listen` or a
 * `--jcapi-listen` that another process holds. The server exits at once, non-zero, with one line
 * `ordo: ORDO_CANNOT_LISTEN ...`, and drives nothing (a run created before stays pending).
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { describe, test } from 'node:test';
import { DEFAULT_LISTEN } from '../src/cli/commands/server.js';
import { describeResult, lines, sandbox, type Sandbox } from './support/cli.js';

const FLOW = { 'ordo.yaml': '', 'f.yaml': 'flow: f\njobs:\n  a: { kind: noop }\n' };

/** Holds host:port (0: any free port); resolves to null when someone else holds it already. */
function hold(host: string, port: number): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    s.listen(port, host, () => resolve(s));
  });
}

const release = (s: Server | null): Promise<void> => new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));

async function refused(box: Sandbox, args: string[], message: RegExp): Promise<void> {
  const r = await box.ordo(['server', ...args]);
  assert.equal(r.timedOut, false, describeResult(args, r));
  assert.equal(r.code, 9, describeResult(args, r));
  const last = lines(r.stderr).at(-1) ?? '';
  assert.match(last, message, describeResult(args, r));
  assert.ok(lines(r.stderr).filter((l) => l.startsWith('ordo:')).length === 1, describeResult(args, r));
  const show = await box.ordo(['show', '1', '--json']);
  assert.equal((JSON.parse(show.stdout) as { run: { state: string } }).run.state, 'pending', 'the server drove nothing');
}

describe('ordo server on a busy address', () => {
  test('an explicit --listen that is taken', async () => {
    const box = sandbox(FLOW);
    const taken = await hold('127.0.0.1', 0);
    try {
      assert.equal((await box.ordo(['start', 'f'])).code, 0);
      const port = (taken!.address() as AddressInfo).port;
      await refused(box, ['--listen', `127.0.0.1:${port}`], new RegExp(`^ordo: ORDO_CANNOT_LISTEN the API cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use`));
    } finally {
      await release(taken);
      box.cleanup();
    }
  });

  test('a --jcapi-listen that is taken', async () => {
    const box = sandbox(FLOW);
    const taken = await hold('127.0.0.1', 0);
    try {
      assert.equal((await box.ordo(['start', 'f'])).code, 0);
      const port = (taken!.address() as AddressInfo).port;
      await refused(box, ['--listen', '127.0.0.1:0', '--jcapi-listen', `127.0.0.1:${port}`],
        new RegExp(`^ordo: ORDO_CANNOT_LISTEN the JobCenter API cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use`));
    } finally {
      await release(taken);
      box.cleanup();
    }
  });

  test('the default address, when taken, is an error too, with a hint', async () => {
    const box = sandbox(FLOW);
    // This test holds the default port (or finds it held already): it never serves on it.
    const [host, port] = DEFAULT_LISTEN.split(':') as [string, string];
    const taken = await hold(host, Number(port));
    try {
      assert.equal((await box.ordo(['start', 'f'])).code, 0);
      await refused(box, [], /^ordo: ORDO_CANNOT_LISTEN the API cannot listen on 127\.0\.0\.1:6580: .*pass --listen HOST:PORT/);
    } finally {
      await release(taken);
      box.cleanup();
    }
  });
});
