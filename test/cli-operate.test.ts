/**
 * Operator actions through the real CLI against runs driven by a long-running `ordo server` (spawned per
 * test, stopped at its end): disable, skip, abort, restart. Runs are created with `ordo start`; the tests
 * poll `ordo show RUN --json` (bounded) and never assert on speed.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { describeResult, lines, sandbox, waitFor, type CliProcess, type CliResult, type Sandbox } from './support/cli.js';

interface ShowJson {
  run: { id: number; state: string };
  tasks: { job: string; state: string; reason: string | null; attempts: number; exitCode: number | null }[];
}

async function ordoExpect(box: Sandbox, args: string[], code: number): Promise<CliResult> {
  const r = await box.ordo(args);
  assert.equal(r.timedOut, false, describeResult(args, r));
  assert.equal(r.code, code, describeResult(args, r));
  return r;
}

async function show(box: Sandbox, run: number): Promise<ShowJson> {
  const r = await ordoExpect(box, ['show', String(run), '--json'], 0);
  return JSON.parse(r.stdout) as ShowJson;
}

async function start(box: Sandbox, flow: string): Promise<number> {
  const r = await ordoExpect(box, ['start', flow, '--json'], 0);
  const { run } = JSON.parse(r.stdout) as { run: number };
  assert.equal(typeof run, 'number');
  return run;
}

function task(doc: ShowJson, job: string): ShowJson['tasks'][number] {
  const t = doc.tasks.find((x) => x.job === job);
  assert.ok(t, `no task "${job}" in ${JSON.stringify(doc.tasks)}`);
  return t;
}

const isOpen = (state: string) => state === 'pending' || state === 'running';

/** Polls until the run has ended (up to 60 s) and returns it. */
async function ended(box: Sandbox, run: number, server?: CliProcess): Promise<ShowJson> {
  let last: ShowJson | undefined;
  return waitFor(`run ${run} to end`, async () => {
    last = await show(box, run);
    return isOpen(last.run.state) ? undefined : last;
  }, { seen: () => `${JSON.stringify(last)}${server ? `\n--- server stderr\n${server.stderr()}` : ''}` });
}

/** A sandbox with `ordo server --dir PROJECT` running on it; both are gone when `fn` has returned. */
async function withServer(files: Record<string, string>, fn: (box: Sandbox, server: CliProcess) => Promise<void>): Promise<void> {
  const box = sandbox(files);
  // The server's own time limit is generous: the test stops it long before.
  const server = box.start(['server', '--dir', box.project, '--listen', '127.0.0.1:0', '--poll', '100'], { timeoutMs: 180_000 });
  try {
    await fn(box, server);
    assert.equal(server.child.exitCode, null, `the server died:\n${server.stderr()}`);
  } finally {
    const r = await server.stop();
    box.cleanup();
    assert.equal(r.code, 0, `the server did not stop cleanly on SIGTERM:\n${r.stderr}`);
  }
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('operator actions through the CLI, runs driven by ordo server', { concurrency: true }, () => {
  test('ordo disable FLOW JOB: a new run skips the job, its dependents still run; enable undoes it', async () => {
    await withServer({
      'op.yaml': `flow: op
jobs:
  a: { command: [echo, a] }
  x: { command: [echo, x], after: [a] }
  y: { command: [echo, y], after: [x] }
`,
    }, async (box, server) => {
      assert.equal((await ordoExpect(box, ['disable', 'op', 'x'], 0)).stdout, 'op.x disabled\n');
      assert.match((await ordoExpect(box, ['graph', 'op'], 0)).stdout, /j_x\["x \(disabled\)"\]/, 'the graph shows a job disabled at runtime');
      const run = await start(box, 'op');
      const done = await ended(box, run, server);
      assert.equal(done.run.state, 'succeeded');
      assert.deepEqual(done.tasks.map((t) => [t.job, t.state, t.reason, t.attempts]), [
        ['a', 'succeeded', null, 1],
        ['x', 'skipped', 'disabled', 0],
        ['y', 'succeeded', null, 1],
      ]);
      assert.equal((await ordoExpect(box, ['logs', String(run), 'y'], 0)).stdout, 'y\n');

      assert.equal((await ordoExpect(box, ['enable', 'op', 'x'], 0)).stdout, 'op.x enabled\n');
      const again = await ended(box, await start(box, 'op'), server);
      assert.equal(again.run.state, 'succeeded');
      assert.deepEqual(again.tasks.map((t) => [t.job, t.state]), [['a', 'succeeded'], ['x', 'succeeded'], ['y', 'succeeded']]);
    });
  });

  test('ordo skip RUN JOB: a job waiting behind a sleeping one is skipped when it becomes runnable, its dependents run', async () => {
    await withServer({
      'op.yaml': `flow: op
jobs:
  # Sleeps until the test lets it go (or 2 min at most, for a loaded machine), so the skip below cannot come too late.
  slow: { shell: 'i=0; while [ ! -f go ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done; echo slow' }
  x: { command: [echo, x], after: [slow] }
  y: { command: [echo, y], after: [x] }
`,
    }, async (box, server) => {
      const run = await start(box, 'op');
      // x waits on slow, which sleeps until the file "go" appears; a skip of a job no longer waiting is refused.
      await waitFor('slow to be running', async () => (task(await show(box, run), 'slow').state === 'running' ? true : undefined),
        { seen: () => server.stderr() });
      assert.equal(task(await show(box, run), 'x').state, 'waiting');
      const r = await ordoExpect(box, ['skip', String(run), 'x'], 0);
      assert.match(r.stdout, new RegExp(`^run ${run}: x will be skipped`));
      writeFileSync(join(box.project, 'go'), '');

      const done = await ended(box, run, server);
      assert.equal(done.run.state, 'succeeded');
      assert.deepEqual(done.tasks.map((t) => [t.job, t.state, t.reason, t.attempts]), [
        ['slow', 'succeeded', null, 1],
        ['x', 'skipped', 'operator', 0],
        ['y', 'succeeded', null, 1],
      ]);
      const events = (await ordoExpect(box, ['events', String(run)], 0)).stdout;
      assert.match(events, /skip_requested\s+x\b/);
      // The job has ended: skipping it again is refused.
      const again = await box.ordo(['skip', String(run), 'x']);
      assert.equal(again.code, 4, describeResult(['skip'], again));
      assert.match(again.stderr, /^ordo: ORDO_BAD_STATE /);
    });
  });

  test('ordo abort RUN: the run ends aborted and the sleeping process is gone', async () => {
    let sleeper: number | undefined;
    try {
      await withServer({
        'long.yaml': `flow: long
jobs:
  sleeper: { shell: 'echo $$ > sleeper.pid; exec sleep 30' }
  later: { command: [echo, later], after: [sleeper] }
`,
      }, async (box, server) => {
        const run = await start(box, 'long');
        const pidFile = join(box.project, 'sleeper.pid');
        sleeper = await waitFor('the sleeping job to start', async () => {
          if (!existsSync(pidFile)) return undefined;
          const pid = Number(readFileSync(pidFile, 'utf8').trim());
          return Number.isInteger(pid) && pid > 0 ? pid : undefined;
        }, { seen: () => server.stderr() });
        assert.equal(processGone(sleeper), false, 'the job should be sleeping');
        await waitFor('the task to be running', async () => (task(await show(box, run), 'sleeper').state === 'running' ? true : undefined));

        assert.equal((await ordoExpect(box, ['abort', String(run)], 0)).stdout, `run ${run}: aborted\n`);
        const done = await ended(box, run, server);
        assert.equal(done.run.state, 'aborted');
        assert.deepEqual(done.tasks.map((t) => [t.job, t.state]), [['sleeper', 'aborted'], ['later', 'aborted']]);
        const pid = sleeper;
        await waitFor(`process ${pid} to be gone`, async () => (processGone(pid) ? true : undefined), { timeoutMs: 60_000 });
        assert.match((await ordoExpect(box, ['logs', String(run), 'sleeper', '--stream', 'attempt'], 0)).stdout, /^ABORT /m);

        const again = await box.ordo(['abort', String(run)]);
        assert.equal(again.code, 4, describeResult(['abort'], again));
        assert.match(again.stderr, /^ordo: ORDO_BAD_STATE run \d+ has ended \(aborted\)\n$/);
      });
    } finally {
      // Never leave the sleeper behind, whatever failed (it is our own child's child, known by pid).
      if (sleeper !== undefined && !processGone(sleeper)) process.kill(sleeper, 'SIGKILL');
    }
  });

  test('ordo restart RUN JOB --mode downstream: after a failed run, the job and its dependents rerun', async () => {
    await withServer({
      'rs.yaml': `flow: rs
jobs:
  a: { shell: 'echo a >> ran.txt' }
  m: { shell: 'echo m >> ran.txt; if [ -f marker ]; then echo "marker is there" >&2; exit 1; fi', after: [a] }
  n: { shell: 'echo n >> ran.txt', after: [m] }
  o: { shell: 'echo o >> ran.txt', after: [a] }
`,
      marker: '',
    }, async (box, server) => {
      const run = await start(box, 'rs');
      const failed = await ended(box, run, server);
      assert.equal(failed.run.state, 'failed');
      assert.deepEqual(failed.tasks.map((t) => [t.job, t.state]), [['a', 'succeeded'], ['m', 'failed'], ['n', 'skipped'], ['o', 'succeeded']]);
      assert.equal((await ordoExpect(box, ['logs', String(run), 'm', '--stream', 'stderr'], 0)).stdout, 'marker is there\n');

      rmSync(join(box.project, 'marker'));
      // --no-wait: the run reopens and the server drives it.
      const r = await ordoExpect(box, ['restart', String(run), 'm', '--mode', 'downstream', '--no-wait'], 0);
      assert.match(r.stderr, new RegExp(`run ${run}: restarting m, n`));

      const done = await ended(box, run, server);
      assert.equal(done.run.state, 'succeeded');
      assert.deepEqual(done.tasks.map((t) => [t.job, t.state, t.attempts]), [
        ['a', 'succeeded', 1], ['m', 'succeeded', 2], ['n', 'succeeded', 1], ['o', 'succeeded', 1],
      ]);
      const ran = lines(readFileSync(join(box.project, 'ran.txt'), 'utf8'));
      const times = (job: string) => ran.filter((j) => j === job).length;
      assert.deepEqual(['a', 'm', 'n', 'o'].map(times), [1, 2, 1, 1], ran.join(' '));
      const restarted = lines((await ordoExpect(box, ['events', String(run), '--json'], 0)).stdout)
        .map((l) => JSON.parse(l) as { kind: string; job: string | null })
        .filter((e) => e.kind === 'task_restarted').map((e) => e.job);
      assert.deepEqual(restarted.sort(), ['m', 'n']);
    });
  });
});
