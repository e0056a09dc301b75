/**
 * The README's tour of the CLI, run as written: every command line of its `sh` blocks, in order, against a
 * copy of the example project, through `sh` with `ordo` bound to the compiled CLI. So the README and the
 * example cannot drift apart. Where the tour starts `ordo server`, the server runs in the background on
 * ephemeral ports (never the documented 6580), and later lines reach it at its real address and with the
 * token the tour created. Checked: every command exits 0; a comment `run N` means that run exists and is the
 * newest; a comment quoting a workflow's end (`W1 done {...}`) is what the command prints.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoPath } from '../src/paths.js';
import { CLI_PATH, cliEnv, describeResult, runCli, startCli, waitFor, type CliProcess, type CliResult } from './support/cli.js';
import { tempDir } from './support/tmp.js';

interface TourLine { command: string; comment: string }

/** The command lines of the README's tour, with their comments (continuation comment lines dropped). */
function tourLines(): TourLine[] {
  const readme = readFileSync(repoPath('README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A tour of the CLI'), readme.indexOf('## Documentation'));
  const out: TourLine[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      const m = /^(.*?)(?:\s+#\s(.*))?$/.exec(line)!;
      const command = m[1]!.trim();
      if (command !== '' && !command.startsWith('#')) out.push({ command, comment: m[2]?.trim() ?? '' });
    }
  }
  return out;
}

const shellOf = (command: string): string => `ordo() { node '${CLI_PATH}' "$@"; }\n${command}`;

/** `ordo server ...` with every listener on an ephemeral port of the loopback. */
function serverArgs(command: string): string[] {
  const args = command.split(/\s+/).slice(1);
  for (const flag of ['--listen', '--jcapi-listen']) {
    const i = args.indexOf(flag);
    if (i >= 0) args[i + 1] = '127.0.0.1:0';
  }
  if (!args.includes('--listen')) args.push('--listen', '127.0.0.1:0');
  return args;
}

test('the README tour runs as written against the example project', { timeout: 600_000 }, async (t) => {
  const lines = tourLines();
  assert.equal(lines[0]?.command, 'alias ordo="node $PWD/dist/src/cli/main.js"', 'the tour binds ordo to the CLI built in the repository');
  assert.ok(existsSync(CLI_PATH));
  const tmp = tempDir('ordo-tour-');
  const env = cliEnv();
  let cwd = tmp.path;
  let server: CliProcess | undefined;
  let apiUrl: string | undefined;
  let token: string | undefined;
  let newest = 0;
  const sh = async (command: string): Promise<CliResult> => {
    const r = await runCli([], { cwd, env, timeoutMs: 180_000, shell: shellOf(command) });
    assert.equal(r.code, 0, describeResult([command], r));
    return r;
  };
  const runIds = async (): Promise<number[]> =>
    (JSON.parse((await sh('ordo runs --json -n 100')).stdout) as { id: number }[]).map((r) => r.id);
  try {
    for (const { command, comment } of lines.slice(1)) {
      t.diagnostic(command);
      if (command.startsWith('cd ')) {
        const rel = command.slice(3);
        assert.ok(existsSync(repoPath(rel)), `${rel} is in the repository`);
        cwd = join(tmp.path, rel);
        cpSync(repoPath(rel), cwd, { recursive: true, filter: (src) => !src.includes(`${join(rel, '.ordo')}`) });
        continue;
      }
      let r: CliResult | undefined;
      for (const part of command.split(' && ')) {
        if (!part.startsWith('ordo server')) {
          const concrete = part.replaceAll('http://127.0.0.1:6580', apiUrl ?? 'http://127.0.0.1:6580').replace(/--token T\b/, `--token ${token ?? 'T'}`);
          r = await sh(concrete);
          if (part.startsWith('ordo token create')) token = r.stdout.trim().split('\n').at(-1);
          continue;
        }
        await server?.stop();
        const started = startCli(serverArgs(part), { cwd, env, timeoutMs: 300_000 });
        server = started;
        const line = await waitFor('the server to start', async () =>
          started.stderr().split('\n').find((l) => l.includes('"ordo server: started"')),
        { timeoutMs: 60_000, intervalMs: 100, seen: () => started.stderr() });
        apiUrl = (JSON.parse(line) as { api: string }).api;
        if (command.startsWith('ordo start')) {
          // The tour's reader waits for the run the server drives, then stops the server (Ctrl-C).
          const id = Math.max(...(await runIds()));
          await waitFor(`run ${id} to end`, async () => {
            const show = JSON.parse((await sh(`ordo show ${id} --json`)).stdout) as { run: { state: string } };
            return show.run.state === 'pending' || show.run.state === 'running' ? undefined : show.run.state;
          }, { timeoutMs: 120_000, intervalMs: 250, seen: () => started.stderr() });
          const stopped = await started.stop(10_000);
          assert.equal(stopped.code, 0, `the server stopped cleanly:\n${stopped.stderr}`);
          server = undefined;
        }
      }
      const said = /^run (\d+)\b/.exec(comment);
      if (said) {
        newest = Math.max(newest, Number(said[1]));
        assert.equal(Math.max(...(await runIds())), newest, `after "${command}": the newest run is ${newest}, as the tour says`);
      }
      const printed = /(W\d+ \w+ \{.*\})$/.exec(comment);
      if (printed) assert.ok(r?.stdout.includes(printed[1]!), `"${command}" prints ${printed[1]}; got:\n${r?.stdout}`);
    }
    assert.ok(newest >= 5 && token !== undefined && apiUrl !== undefined, 'the tour created runs, a token and a server');
  } finally {
    await server?.stop(10_000);
    tmp.cleanup();
  }
});
