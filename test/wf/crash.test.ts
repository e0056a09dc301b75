/**
 * The kill -9 test for workflows: the real CLI (`ordo call`) runs a workflow with child runs (a map over
 * four elements, each child calling a slow command action three times) and is killed with SIGKILL in the
 * middle, then `ordo wf resume` is killed once more, and a last `ordo wf resume` finishes it; on SQLite and
 * PostgreSQL. Checked afterwards, from the store and from a ledger the action appends to:
 * - the run ends done with the right output;
 * - each call is one task (run, step) and ends done;
 * - no attempt of a task started twice, and no task started again after the attempt recorded as its success.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoPath } from '../../src/paths.js';
import { openStore } from '../../src/store/open.js';
import { WfStore } from '../../src/wf/store.js';
import { cliEnv, writeFiles } from '../support/cli.js';
import { usePostgres } from '../support/postgres.js';
import { tempDir } from '../support/tmp.js';

const CLI = repoPath('dist/src/cli/main.js');

const PROJECT: Record<string, string> = {
  'package.json': '{"type": "commonjs"}',
  'scripts/slow.js': `const fs = require('node:fs');
const input = JSON.parse(fs.readFileSync(process.env.ORDO_INPUT, 'utf8'));
const who = process.env.ORDO_TASK + ' ' + process.env.ORDO_ATTEMPT;
fs.appendFileSync(process.env.LEDGER, 'start ' + who + '\\n');
setTimeout(() => {
  fs.writeFileSync(process.env.ORDO_RESULT, JSON.stringify({ n: input.n * 2 }));
  fs.appendFileSync(process.env.LEDGER, 'end ' + who + '\\n');
}, 150);
`,
  'slow.ac': "action slow:\n  in:\n    n number\n  out:\n    n number\n  config:\n    command = 'node scripts/slow.js'\n",
  'chain.wf': `workflow chain:
  in:
    x number
  out:
    y number
  wfomap:
    y = v.n
  do:
    eval:
      n = a.x
    repeat:
      call slow:
        n = v.n
      into:
        n = o.n
      eval:
        i += 1
    until v.i == 3
`,
  'main.wf': `workflow main:
  in:
    xs array
  out:
    total number
  wfomap:
    <total>
  do:
    eval:
      total = 0
    map chain using a.xs:
      x = e._v
    collect:
      total += o.y
`,
};

interface Proc { code: number | null; signal: string | null; stdout: string; stderr: string }

/** Runs the CLI; `killAfterMs` after `killWhen` holds (polled; at once without it), it is SIGKILLed. */
function cli(args: string[], env: NodeJS.ProcessEnv, cwd: string, killAfterMs?: number, killWhen?: () => boolean): Promise<Proc> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let killer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (killAfterMs === undefined) return;
      if (!killWhen || killWhen()) killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      else killer = setTimeout(arm, 20);
    };
    arm();
    const guard = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (code, signal) => {
      if (killer) clearTimeout(killer);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function crashAndResume(databaseUrl: string | undefined): Promise<string> {
  const project = tempDir('ordo-wf-crash-');
  const home = tempDir('ordo-wf-crash-home-');
  const ledger = join(project.path, 'ledger.txt');
  try {
    writeFiles(project.path, PROJECT);
    const env = cliEnv({ ORDO_HOME: home.path, LEDGER: ledger, DATABASE_URL: databaseUrl });
    // Killed once work is under way (the first action started: the runs exist), whatever the machine's speed.
    const started = (): boolean => existsSync(ledger) && readFileSync(ledger, 'utf8').includes('start ');
    const first = await cli(['call', 'main', '--input', '{"xs": [1, 2, 3, 4]}', '--json'], env, project.path, 100, started);
    assert.equal(first.signal, 'SIGKILL', `the first call ended before the kill: ${first.stdout}${first.stderr}`);
    const second = await cli(['wf', 'resume', 'W1', '--json'], env, project.path, 400);
    const last = second.signal === 'SIGKILL' ? await cli(['wf', 'resume', 'W1', '--json'], env, project.path) : second;
    assert.equal(last.code, 0, `resume failed:\n${last.stdout}${last.stderr}`);
    assert.deepEqual(JSON.parse(last.stdout), { run: 'W1', state: 'done', output: { total: 80 }, error: null });

    const store = await openStore({ stateDir: home.path, databaseUrl });
    try {
      const wf = WfStore.of(store);
      const tree = await wf.tree(1);
      assert.equal(tree.length, 5, 'one root and four children, none started twice');
      const tasks = (await Promise.all(tree.map((r) => wf.tasks(r.id)))).flat();
      assert.equal(tasks.length, 12, 'one task per call');
      assert.ok(tasks.every((t) => t.state === 'done'), JSON.stringify(tasks.map((t) => t.state)));
      const starts = readFileSync(ledger, 'utf8').split('\n').filter((l) => l.startsWith('start ')).map((l) => l.split(' ').slice(1).map(Number));
      const seen = new Set<string>();
      for (const [task, attempt] of starts) {
        const key = `${task}/${attempt}`;
        assert.ok(!seen.has(key), `attempt ${key} started twice`);
        seen.add(key);
        const row = tasks.find((t) => t.id === task);
        assert.ok(row && (attempt ?? 0) <= row.attempts, `task ${task} started again (attempt ${attempt}) after its success at attempt ${row?.attempts}`);
      }
      const lost = tasks.filter((t) => t.attempts > 1).length;
      const kinds = (await Promise.all(tree.map((r) => wf.events(r.id)))).flat().map((e) => e.kind);
      assert.ok(kinds.includes('wf_run_adopted'), 'the runs were adopted');
      return `${starts.length} starts for 12 calls, ${lost} task(s) run again after a kill`;
    } finally {
      await store.close();
    }
  } finally {
    project.cleanup();
    home.cleanup();
  }
}

test('kill -9 in the middle of a workflow with child runs, then resume (SQLite)', async (t) => {
  t.diagnostic(await crashAndResume(undefined));
});

test('kill -9 in the middle of a workflow with child runs, then resume (PostgreSQL)', async (t) => {
  const db = await usePostgres();
  try {
    t.diagnostic(await crashAndResume(db.url));
  } finally {
    await db.release();
  }
});
