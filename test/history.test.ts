/**
 * History across runs as an operator reads it (docs/history.md): the real CLI runs a flow a few times, and
 * `ordo history` shows each attempt with its duration, exit, CPU time and the peak memory its process tree
 * reached; `ordo events --all` is the log of every run, `--follow` prints new ones as they come. On SQLite
 * and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usePostgres } from './support/postgres.js';
import { describeResult, lines, sandbox, waitFor, type Sandbox } from './support/cli.js';

// 60 MB held by perl, and some CPU; `fail` makes the attempt exit 3.
const FLOW = {
  'ordo.yaml': '',
  'flows/work.yaml': `flow: work
params:
  fail: { type: boolean, default: false }
jobs:
  crunch:
    shell: |
      perl -e 'my $x = "a" x 60_000_000; my $i = 0; $i++ while $i < 2_000_000; print length($x), "\\n"'
      [ "\${{ params.fail }}" = false ] || exit 3
  after: { command: ['true'], after: [crunch] }
`,
};

interface HistoryDoc {
  entries: { runId: number; attempt: number; state: string; durationMs: number | null; exitCode: number | null; usage: { cpuUserMs: number; cpuSystemMs: number; maxRssKb?: number } | null }[];
  stats: { attempts: number; succeeded: number; failed: number; successRate: number | null; durationMs: { p50: number; max: number } | null; meanCpuMs: number | null; maxRssKb: number | null };
}

async function ok(box: Sandbox, args: string[], code = 0): Promise<string> {
  const r = await box.ordo(args);
  assert.equal(r.code, code, describeResult(args, r));
  return r.stdout;
}

async function historyScenario(box: Sandbox): Promise<void> {
  await ok(box, ['run', 'work']);
  await ok(box, ['run', 'work', '-p', 'fail=true'], 1);
  await ok(box, ['run', 'work']);
  const doc = JSON.parse(await ok(box, ['history', 'work', 'crunch', '--json'])) as HistoryDoc;
  assert.deepEqual(doc.entries.map((e) => [e.runId, e.state, e.exitCode]), [[3, 'succeeded', 0], [2, 'failed', 3], [1, 'succeeded', 0]]);
  for (const e of doc.entries) {
    assert.ok(e.durationMs !== null && e.durationMs >= 0);
    assert.ok(e.usage, 'every attempt reports what it used');
    assert.ok(e.usage.cpuUserMs + e.usage.cpuSystemMs > 0, JSON.stringify(e.usage));
    // 60 MB of string: the peak of the largest process of the tree is at least that.
    assert.ok((e.usage.maxRssKb ?? 0) > 55_000, `peak RSS ${e.usage.maxRssKb} KiB`);
  }
  assert.equal(doc.stats.attempts, 3);
  assert.equal(doc.stats.succeeded, 2);
  assert.equal(doc.stats.failed, 1);
  assert.ok(Math.abs(doc.stats.successRate! - 2 / 3) < 1e-9);
  assert.ok(doc.stats.maxRssKb! > 55_000);
  const text = await ok(box, ['history', 'work', 'crunch', '--limit', '2']);
  assert.match(text, /^RUN\s+DATE\s+ATTEMPT\s+STATE\s+START\s+DURATION\s+EXIT\s+CPU\s+PEAK RSS$/m);
  assert.match(text, /^3\s+-\s+1\s+succeeded\s.*\s0\s+\S+\s+\d+\.\dM$/m);
  assert.match(text, /^2 attempt\(s\): 1 succeeded, 1 not \(success 50\.0%\); duration p50 .*; mean CPU .*, peak RSS \d+\.\dM$/m);
  assert.match(await ok(box, ['show', '2', '--json']), /"usage":\{"cpuUserMs":\d+,"cpuSystemMs":\d+,"maxRssKb":\d+\}/);

  // The log of every run, oldest first, since an hour ago.
  const all = lines(await ok(box, ['events', '--all', '--since', '1h', '--json'])).map((l) => JSON.parse(l) as { id: number; runId: number | null; kind: string });
  assert.deepEqual([...new Set(all.flatMap((e) => (e.runId === null ? [] : [e.runId])))], [1, 2, 3]);
  assert.ok(all.every((e, i) => i === 0 || e.id > all[i - 1]!.id));
  assert.equal((await ok(box, ['events', '--all', '--since', '2000-01-01T00:00:00Z', '--limit', '3', '--json'])).trim().split('\n').length, 3);
  const bad = await box.ordo(['events', '--all', '--since', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--since must be a duration back from now/);
  assert.match((await box.ordo(['events'])).stderr, /ordo events needs a run \(or --all for every run\)/);

  // --follow: a run that starts later shows up while the command runs.
  const follow = box.start(['events', '--all', '--follow', '--since', '1s']);
  try {
    await ok(box, ['run', 'work']);
    await waitFor('the followed log shows run 4', async () => (/\s4\s+run_succeeded/.test(follow.stdout()) ? true : undefined), { seen: () => follow.stdout() });
  } finally {
    const end = await follow.stop();
    assert.equal(end.code, 0, end.stderr);
  }
}

test('ordo history and ordo events --all on SQLite', async () => {
  const box = sandbox(FLOW);
  try {
    await historyScenario(box);
  } finally {
    box.cleanup();
  }
});

test('ordo history and ordo events --all on PostgreSQL', async () => {
  const db = await usePostgres();
  const box = sandbox(FLOW, { DATABASE_URL: db.url });
  try {
    await historyScenario(box);
  } finally {
    box.cleanup();
    await db.release();
  }
});
