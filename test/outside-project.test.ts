/**
 * The newcomer's first commands: outside a project Ordo says so and suggests --dir, without reading the
 * projects and fixtures in folders below (a repository's root); inside one, looking creates no `.ordo/`.
 * Every command here runs without ORDO_HOME, as a newcomer's would.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cliEnv, describeResult, lines, runCli, writeFiles, type CliResult } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const SETTINGS = `calendars:
  work: { zone: Europe/Prague, workingWeek: [mon, tue, wed, thu, fri] }
plans:
  eod: { calendar: work, workingDays: true, at: "18:30" }
`;
const FLOW = 'flow: f\njobs:\n  a: { shell: "echo a" }\n  b: { shell: "echo b", after: [a] }\n';
/** A flow file that is broken: read by mistake, it fails validation. */
const BROKEN = 'flow: broken\njobs:\n  x: { after: [nowhere] }\n';

async function ordo(cwd: string, args: string[]): Promise<CliResult> {
  const r = await runCli(args, { cwd, env: cliEnv() });
  assert.equal(r.timedOut, false, describeResult(args, r));
  return r;
}

/** Every `.ordo` folder under root. */
function stateDirs(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name === '.ordo').map((e) => join(e.parentPath, e.name));
}

describe('outside a project', () => {
  test('a repository root with projects and fixtures below: every command says so, suggests --dir, reads nothing below', async () => {
    const repo = tempDir('ordo-repo-');
    try {
      writeFiles(repo.path, {
        'README.md': '# some repository\n', 'package.json': '{}', '.github/ci.yml': 'on: push\n',
        'examples/backup/ordo.yaml': SETTINGS, 'examples/backup/flows/f.yaml': FLOW,
        'test/fixtures/bad/broken.yaml': BROKEN, 'test/lang/golden/bad.wf': 'workflow bad:\n  do:\n    frobnicate\n',
      });
      for (const args of [['runs'], ['validate'], ['validate', '.'], ['show', '1'], ['events', '1'], ['logs', '1', 'a'], ['graph', 'f'],
        ['why', '1', 'a'], ['forecast', '1'], ['plan', 'next', 'eod'], ['calendar', 'show', 'work'], ['schedules'], ['resources'],
        ['wf', 'runs'], ['compile'], ['run', 'f'], ['start', 'f'], ['token', 'list'], ['gate', 'open', 'eod']]) {
        const r = await ordo(repo.path, args);
        assert.equal(r.code, 2, describeResult(args, r));
        assert.deepEqual(lines(r.stderr).length, 1, describeResult(args, r));
        assert.match(r.stderr, /^ordo: ORDO_NO_PROJECT no Ordo project in .*: it has no ordo\.yaml and no flow or workflow files; cd into a project or pass --dir DIR/, describeResult(args, r));
        assert.doesNotMatch(r.stdout + r.stderr, /broken|frobnicate|golden|fixtures/, describeResult(args, r));
      }
      assert.deepEqual(stateDirs(repo.path), []);
      // --dir reaches the project below.
      const ok = await ordo(repo.path, ['validate', '--dir', 'examples/backup']);
      assert.equal(ok.code, 0, describeResult(['validate'], ok));
      assert.match(ok.stdout, /ok: 1 flow\(s\), 2 job\(s\)/);
    } finally {
      repo.cleanup();
    }
  });

  test('a folder with flow files but no ordo.yaml is a project of those files only', async () => {
    const dir = tempDir('ordo-loose-');
    try {
      writeFiles(dir.path, { 'f.yaml': FLOW, 'sub/broken.yaml': BROKEN });
      const r = await ordo(dir.path, ['validate']);
      assert.equal(r.code, 0, describeResult(['validate'], r));
      assert.match(r.stdout, /ok: 1 flow\(s\), 2 job\(s\)/);
    } finally {
      dir.cleanup();
    }
  });
});

describe('inside a project', () => {
  test('a folder with its own ordo.yaml below the project is another project, not read', async () => {
    const dir = tempDir('ordo-nested-');
    try {
      writeFiles(dir.path, { 'ordo.yaml': SETTINGS, 'flows/f.yaml': FLOW, 'other/ordo.yaml': '', 'other/broken.yaml': BROKEN });
      const r = await ordo(dir.path, ['validate']);
      assert.equal(r.code, 0, describeResult(['validate'], r));
      assert.match(r.stdout, /ok: 1 flow\(s\), 2 job\(s\)/);
    } finally {
      dir.cleanup();
    }
  });

  test('read-only commands create no .ordo/; the first run does', async () => {
    const dir = tempDir('ordo-fresh-');
    try {
      writeFiles(dir.path, { 'ordo.yaml': SETTINGS, 'flows/f.yaml': FLOW });
      const looks: [string[], number][] = [
        [['runs'], 0], [['runs', '--json'], 0], [['validate'], 0], [['show', '1'], 3], [['events', '1'], 3], [['logs', '1', 'a'], 3],
        [['graph', 'f'], 0], [['why', '1', 'a'], 3], [['forecast', '1'], 3], [['plan', 'next', 'eod', '-n', '2'], 0],
        [['calendar', 'show', 'work', '--year', '2027'], 0], [['schedules'], 0], [['fires', 'f'], 0], [['resources'], 0],
        [['wf', 'runs'], 0], [['show', 'W1'], 3], [['vars', 'W1'], 3], [['kv', 'list', '--run', '1'], 3], [['token', 'list'], 0],
        [['user', 'list'], 0], [['simulate', 'f', '--slots', '2'], 0], [['compile', '--check'], 0],
      ];
      for (const [args, code] of looks) {
        const r = await ordo(dir.path, args);
        assert.equal(r.code, code, describeResult(args, r));
        assert.equal(existsSync(join(dir.path, '.ordo')), false, `ordo ${args.join(' ')} created .ordo/`);
      }
      assert.deepEqual(JSON.parse((await ordo(dir.path, ['runs', '--json'])).stdout), []);
      const run = await ordo(dir.path, ['run', 'f']);
      assert.equal(run.code, 0, describeResult(['run', 'f'], run));
      assert.equal(existsSync(join(dir.path, '.ordo', 'ordo.db')), true);
      const show = await ordo(dir.path, ['show', '1', '--json']);
      assert.equal((JSON.parse(show.stdout) as { run: { state: string } }).run.state, 'succeeded');
    } finally {
      dir.cleanup();
    }
  });
});
