/**
 * The crash test: the real CLI drives a flow of a few hundred command jobs and is killed with SIGKILL at
 * random moments, then resumed, again and again, on SQLite and on PostgreSQL. Checked afterwards:
 * - the run completes and every job succeeded;
 * - every job's command started exactly once (a ledger the jobs write): the engine that resumes the run
 *   re-attaches to the jobs still running and reports those that ended meanwhile (docs/architecture.md);
 * - every job's result is recorded;
 * - an attempt that was claimed but whose process never started is recorded `lost` (and retried), never
 *   left `running`.
 * A few jobs run for seconds, so that kills find them running.
 * The random moments come from a seed printed on failure, so a failing schedule can be replayed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../src/store/open.js';
import { repoPath } from '../src/paths.js';
import { usePostgres } from './support/postgres.js';
import { tempDir } from './support/tmp.js';

const LAYERS = 20;
const WIDTH = 12;
const KILLS = 5;
const CLI = repoPath('dist/src/cli/main.js');

/** A small deterministic generator (mulberry32), so a seed reproduces the kill schedule. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function flowYaml(): string {
  const lines = ['flow: crash', 'jobs:'];
  for (let l = 0; l < LAYERS; l++) {
    for (let w = 0; w < WIDTH; w++) {
      const after = l === 0 ? '' : `, after: [j${l - 1}_${w}, j${l - 1}_${(w + 1) % WIDTH}]`;
      lines.push(`  j${l}_${w}: { extends: ${l % 7 === 3 && w < 2 ? 'long' : 'step'}${after} }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const SETTINGS = `templates:
  step:
    retries: { count: 10, delay: 10ms }
    shell: 'echo "$ORDO_JOB $ORDO_ATTEMPT start" >> "$LEDGER"; sleep 0.02; echo "{\\"job\\": \\"$ORDO_JOB\\"}" > "$ORDO_RESULT"; echo "$ORDO_JOB $ORDO_ATTEMPT end" >> "$LEDGER"'
  long:
    retries: { count: 10, delay: 10ms }
    shell: 'echo "$ORDO_JOB $ORDO_ATTEMPT start" >> "$LEDGER"; sleep 2; echo "{\\"job\\": \\"$ORDO_JOB\\"}" > "$ORDO_RESULT"; echo "$ORDO_JOB $ORDO_ATTEMPT end" >> "$LEDGER"'
`;

interface Proc { code: number | null; signal: string | null; stdout: string; stderr: string }

/**
 * Runs the CLI; with `kill`, SIGKILLs it `afterMs` after the ledger first grew while it ran (a job of its
 * run started), so that every kill finds work in flight however long the start-up took on a loaded machine.
 */
function cli(args: string[], env: NodeJS.ProcessEnv, kill?: { ledger: string; afterMs: number }): Promise<Proc> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let killer: NodeJS.Timeout | undefined;
    if (kill) {
      const size = statSync(kill.ledger).size;
      const watch = () => {
        killer = statSync(kill.ledger).size > size ? setTimeout(() => child.kill('SIGKILL'), kill.afterMs) : setTimeout(watch, 20);
      };
      watch();
    }
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code, signal) => {
      if (killer) clearTimeout(killer);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function crashAndResume(databaseUrl: string | undefined, seed: number): Promise<string> {
  const project = tempDir('ordo-crash-');
  const home = tempDir('ordo-crash-home-');
  const ledger = join(project.path, 'ledger.txt');
  const rand = random(seed);
  try {
    writeFileSync(join(project.path, 'ordo.yaml'), SETTINGS);
    writeFileSync(join(project.path, 'crash.yaml'), flowYaml());
    writeFileSync(ledger, '');
    const env: NodeJS.ProcessEnv = { ...process.env, ORDO_HOME: home.path, LEDGER: ledger, DATABASE_URL: databaseUrl ?? '' };
    const common = ['--dir', project.path, '--max-parallel', '8', '--json'];

    // A kill may come before the run was created (while migrating, loading or creating it): then start
    // over with `ordo run`, as a user would; otherwise resume the run that exists.
    const existingRun = async (): Promise<number | undefined> => {
      const store = await openStore({ stateDir: home.path, databaseUrl });
      try {
        return (await store.listRuns({ limit: 1 }))[0]?.id;
      } finally {
        await store.close();
      }
    };
    let runId: number | undefined;
    let last: Proc | undefined;
    for (let k = 0; k <= KILLS; k++) {
      const kill = k < KILLS ? { ledger, afterMs: rand() * 1000 } : undefined;
      runId ??= await existingRun();
      last = await cli(runId === undefined ? ['run', 'crash', ...common] : ['resume', String(runId), ...common], env, kill);
      if (last.signal !== 'SIGKILL') break;
    }
    runId ??= await existingRun();
    assert.ok(last && runId !== undefined);
    // A kill after the run's end was committed but before its report was printed leaves nothing to resume:
    // `resume` then says the run has ended (with --json, as a JSON error on stdout), and the store is the judge.
    if (/"code":"ORDO_BAD_STATE","message":"run \d+ has already ended/.test(last.stdout) || /ORDO_BAD_STATE run \d+ has already ended/.test(last.stderr)) {
      const store = await openStore({ stateDir: home.path, databaseUrl });
      try {
        assert.equal((await store.getRun(runId))!.state, 'succeeded', `seed ${seed}: ${last.stdout}${last.stderr}`);
      } finally {
        await store.close();
      }
    } else {
      assert.equal(last.code, 0, `seed ${seed}: final run did not succeed:\n${last.stdout}${last.stderr}`);
      const summary = JSON.parse(last.stdout) as { state: string; tasks: { job: string; state: string; attempts: number }[] };
      assert.equal(summary.state, 'succeeded');
      assert.equal(summary.tasks.length, LAYERS * WIDTH);
    }

    // Let processes orphaned by the kills finish their ledger lines before reading it.
    await new Promise((r) => setTimeout(r, 300));
    const starts = new Map<string, number[]>();
    for (const line of readFileSync(ledger, 'utf8').split('\n')) {
      const [job, attempt, what] = line.split(' ');
      if (what !== 'start') continue;
      const list = starts.get(job!) ?? [];
      list.push(Number(attempt));
      starts.set(job!, list);
    }

    const store = await openStore({ stateDir: home.path, databaseUrl });
    try {
      const tasks = await store.getTasks(runId);
      let lost = 0;
      for (const task of tasks) {
        assert.equal(task.state, 'succeeded', `seed ${seed}: ${task.job} is ${task.state}`);
        assert.deepEqual(task.result, { job: task.job }, `seed ${seed}: the result of ${task.job}`);
        const attempts = await store.getAttempts(task.id);
        const final = attempts[attempts.length - 1]!;
        assert.equal(final.state, 'succeeded', `seed ${seed}: last attempt of ${task.job}`);
        for (const a of attempts.slice(0, -1)) {
          // Only a claim whose process never started may be lost: one that started is re-attached to.
          assert.equal(a.state, 'lost', `seed ${seed}: ${task.job} attempt ${a.attempt} is ${a.state}`);
          lost++;
        }
        const seen = starts.get(task.job) ?? [];
        assert.deepEqual(seen, [final.attempt], `seed ${seed}: the command of ${task.job} must start exactly once, as its final attempt`);
      }
      const events = await store.events(runId);
      assert.ok(events.some((e) => e.kind === 'run_succeeded'));
      const reattached = events.filter((e) => e.kind === 'task_reattached').length;
      return `seed ${seed}: ${KILLS} kills, ${reattached} attempts re-attached, ${lost} claims lost before their process started, ${events.length} events`;
    } finally {
      await store.close();
    }
  } finally {
    project.cleanup();
    home.cleanup();
  }
}

const SEED = Number(process.env.ORDO_CRASH_SEED ?? Date.now() % 100_000);

test(`kill -9 at random moments loses nothing (SQLite, seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  t.diagnostic(await crashAndResume(undefined, SEED));
});

test(`kill -9 at random moments loses nothing (PostgreSQL, seed ${SEED + 1})`, { timeout: 300_000 }, async (t) => {
  const pg = await usePostgres();
  try {
    t.diagnostic(await crashAndResume(pg.url, SEED + 1));
  } finally {
    await pg.release();
  }
});
