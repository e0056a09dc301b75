/**
 * A newcomer's first ten minutes: a failed job explains itself (after `ordo run`, in `ordo show`), `ordo logs`
 * shows both streams in the order written, `--json` failures are JSON, forecast/why/restart say what is true,
 * misspelt names get a "did you mean", and no message shows where the project lives on disk.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { describeResult, lines, sandbox, type CliResult, type Sandbox } from './support/cli.js';

// The job checks that each write reached its log file before it writes to the other stream, so the order
// of the two streams is the job's own, however the scheduler interleaves the pipes.
const landed = (stream: string, text: string) =>
  `i=0; until grep -q ${text} "$ORDO_LOG_DIR/${stream}.log" 2>/dev/null || [ $i -ge 2000 ]; do sleep 0.01; i=$((i+1)); done`;

const FILES = {
  // ordo.yaml marks the project's root: its flows may live in folders below it.
  'ordo.yaml': '',
  'flows/intro.yaml': `flow: intro
jobs:
  extract: { shell: 'echo extracting; echo "warning: 3 rows skipped" >&2; ${landed('stderr', 'skipped')}; echo extracted' }
  load:
    shell: 'echo loading; ${landed('stdout', 'loading')}; for i in 1 2 3 4 5 6 7; do echo "psql: error $i" >&2; done; exit 3'
    after: [extract]
  report: { shell: 'echo report', after: [load] }
  notify: { command: [no-such-program-ordo] }
  fixed: { shell: 'test -f fixed', after: [extract] }
  publish: { shell: 'echo published', after: [fixed] }
`,
};

describe('the newcomer\'s first ten minutes', () => {
  let box: Sandbox;
  let run: number;
  let first: CliResult;
  const ordo = async (args: string[], code: number): Promise<CliResult> => {
    const r = await box.ordo(args);
    assert.equal(r.code, code, describeResult(args, r));
    return r;
  };

  before(async () => {
    box = sandbox(FILES);
    first = await box.ordo(['run', 'intro']);
    run = Number(/^run (\d+) /m.exec(first.stdout)?.[1]);
  });
  after(() => box.cleanup());

  test('ordo run ends with each failed job\'s start error or last stderr lines, and the command to see more', () => {
    assert.equal(first.code, 1, describeResult(['run', 'intro'], first));
    const out = first.stdout;
    assert.match(out, /\nload failed \(attempt 1, exit 3\)\n  last lines of stderr:\n    psql: error 3\n    psql: error 4\n    psql: error 5\n    psql: error 6\n    psql: error 7\n  more: ordo logs 1 load\n/);
    assert.doesNotMatch(out, /psql: error 2/, 'only the last lines');
    assert.match(out, /\nnotify failed \(attempt 1\)\n  error: cannot start "no-such-program-ordo": ENOENT\n  more: ordo logs 1 notify\n/);
    assert.match(out, /\nfixed failed \(attempt 1, exit 1\)\n  \(no output\)\n/);
    assert.doesNotMatch(out, /\nreport failed|\nextract failed/);
  });

  test('ordo show explains the failed jobs the same way', async () => {
    const r = await ordo(['show', String(run)], 0);
    assert.match(r.stdout, /\nload failed \(attempt 1, exit 3\)\n  last lines of stderr:\n(    .*\n){5}  more: ordo logs 1 load\n/);
  });

  test('ordo logs shows stdout and stderr interleaved as written; --stream keeps one', async () => {
    assert.equal((await ordo(['logs', String(run), 'extract'], 0)).stdout, 'extracting\nwarning: 3 rows skipped\nextracted\n');
    assert.equal((await ordo(['logs', String(run), 'extract', '--stream', 'stdout'], 0)).stdout, 'extracting\nextracted\n');
    assert.equal((await ordo(['logs', String(run), 'extract', '--stream', 'stderr'], 0)).stdout, 'warning: 3 rows skipped\n');
    const load = (await ordo(['logs', String(run), 'load'], 0)).stdout;
    assert.match(load, /^loading\npsql: error 1\n/);
  });

  test('ordo forecast on an ended run reports its real end, not a forecast', async () => {
    const shown = JSON.parse((await ordo(['show', String(run), '--json'], 0)).stdout) as { run: { endedAt: number } };
    const f = JSON.parse((await ordo(['forecast', String(run), '--json'], 0)).stdout) as { end: string; ended: boolean; state: string };
    assert.deepEqual([f.end, f.ended, f.state], [new Date(shown.run.endedAt).toISOString(), true, 'failed']);
    assert.match((await ordo(['forecast', String(run)], 0)).stdout, new RegExp(`^run ${run} has ended: failed at \\S+ \\(what happened, not a forecast\\)\n`));
  });

  test('ordo restart --mode downstream prints what it restarted and the restart\'s own duration', async () => {
    const { writeFileSync } = await import('node:fs'); // the fix the restart needs
    writeFileSync(`${box.project}/fixed`, '');
    const r = await ordo(['restart', String(run), 'fixed', '--mode', 'downstream', '--json'], 1);
    const doc = JSON.parse(lines(r.stdout).at(-1)!) as { restarted: string[]; restartMs: number; tasks: Array<{ job: string; state: string }> };
    assert.deepEqual(doc.restarted, ['fixed', 'publish']);
    assert.ok(Number.isInteger(doc.restartMs) && doc.restartMs >= 0);
    assert.equal(doc.tasks.find((t) => t.job === 'publish')?.state, 'succeeded');
    const text = await ordo(['restart', String(run), 'fixed', '--mode', 'only'], 1);
    assert.match(text.stderr, new RegExp(`run ${run}: restarting fixed\n`));
    assert.match(text.stderr, new RegExp(`run ${run}: fixed succeeded`));
    assert.doesNotMatch(text.stderr, /: (load|extract|notify) /, 'jobs that ended before the restart are not reported again');
    assert.match(text.stdout, new RegExp(`^run ${run}  flow intro  failed \\(restarted fixed: \\d`));
  });

  test('ordo why on a run that no engine drives says how to drive it', async () => {
    const started = Number((await ordo(['start', 'intro'], 0)).stdout.trim());
    const r = await ordo(['why', String(started), 'load'], 0);
    assert.match(r.stdout, new RegExp(`waits for extract .*; but no engine drives the run: start \`ordo server\` \\(or \`ordo resume ${started}\` to drive it here\\)\n$`));
  });

  test('with --json, failures print {"error": {"code", "message"}} on stdout with the usual exit status', async () => {
    for (const [args, code, errorCode] of [
      [['show', '999', '--json'], 3, 'ORDO_NOT_FOUND'],
      [['run', 'intro', '--bogus', '--json'], 2, 'ORDO_BAD_ARGUMENT'],
      [['run', 'intro', '--param', 'nokey', '--json'], 2, 'ORDO_BAD_ARGUMENT'],
      [['forecast', 'x', '--json'], 2, 'ORDO_BAD_ARGUMENT'],
    ] as const) {
      const r = await ordo([...args], code);
      const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
      assert.equal(doc.error.code, errorCode, describeResult([...args], r));
      assert.equal(typeof doc.error.message, 'string');
      assert.equal(r.stderr, '', describeResult([...args], r));
    }
  });

  test('misspelt flow and job names get a "did you mean"; no message shows the project\'s place on disk', async () => {
    const flow = await ordo(['run', 'intr'], 3);
    assert.match(flow.stderr, /^ordo: ORDO_NOT_FOUND flow "intr" is not defined \(did you mean 'intro'\?\) \(flows: intro\)\n$/);
    const job = await ordo(['logs', String(run), 'lod'], 3);
    assert.match(job.stderr, /no job "lod" \(did you mean 'load'\?\)/);
    const skip = await ordo(['why', String(run), 'reprot'], 3);
    assert.match(skip.stderr, /no job "reprot" \(did you mean 'report'\?\)/);
    for (const r of [first, flow, job, skip]) {
      assert.ok(!r.stdout.includes(box.root.path) && !r.stderr.includes(box.root.path), describeResult(['...'], r));
    }
  });
});
