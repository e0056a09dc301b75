/**
 * Retention as an operator meets it (docs/retention.md), through the real CLI on SQLite and PostgreSQL: runs
 * older than `retention.runs` are archived to compressed JSON lines and removed with their files, read back
 * with `ordo runs --archived` and `ordo show RUN --archived`; output older than `retention.logs` is removed
 * while the run stays; `ordo server` applies the policy by itself.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../src/store/open.js';
import { inSandbox } from './support/backend-sandbox.js';
import { describeResult, sandbox, waitFor, type Sandbox } from './support/cli.js';

const PROJECT = {
  'ordo.yaml': 'retention: { runs: 30d, logs: 7d }\n',
  'flows/daily.yaml': `flow: daily
jobs:
  say: { shell: 'echo hello from $ORDO_RUN_ID' }
  then: { command: ['true'], after: [say] }
`,
};

const DAY = 86_400_000;

async function ok(box: Sandbox, args: string[]): Promise<string> {
  const r = await box.ordo(args);
  assert.equal(r.code, 0, describeResult(args, r));
  return r.stdout;
}

/** Makes runs look as if they ended `days` ago. */
async function age(box: Sandbox, ids: number[], days: number, databaseUrl?: string): Promise<void> {
  const store = await openStore({ stateDir: box.home, databaseUrl });
  try {
    for (const id of ids) await store.sql.run('UPDATE runs SET ended_at = ended_at - ? WHERE id = ?', [days * DAY, id]);
  } finally {
    await store.close();
  }
}

async function scenario(box: Sandbox, databaseUrl?: string): Promise<void> {
  for (let i = 0; i < 4; i++) await ok(box, ['run', 'daily']);
  await age(box, [1, 2], 40, databaseUrl);
  await age(box, [3], 10, databaseUrl);
  assert.equal(await ok(box, ['archive', '--dry-run']), 'would archive 2 run(s); would remove the output of 1 run(s)\n');
  assert.ok(existsSync(join(box.home, 'runs', '1')), 'a dry run changes nothing');
  assert.equal(await ok(box, ['archive']), 'archived 2 run(s) into 1 file(s) under archive/; removed the output of 1 run(s)\n');
  const files = readdirSync(join(box.home, 'archive'));
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^runs-0000000001-0000000002-\d+\.jsonl\.gz$/);

  assert.deepEqual((JSON.parse(await ok(box, ['runs', '--json'])) as { id: number }[]).map((r) => r.id), [4, 3]);
  assert.deepEqual((JSON.parse(await ok(box, ['runs', '--archived', '--json'])) as { id: number }[]).map((r) => r.id), [2, 1]);
  const gone = await box.ordo(['show', '1']);
  assert.equal(gone.code, 3);
  assert.match(gone.stderr, /run 1 was archived by retention: ordo show 1 --archived/);
  const doc = JSON.parse(await ok(box, ['show', '1', '--archived', '--json'])) as {
    run: { id: number; state: string }; tasks: { job: string; attemptsList: { state: string }[] }[]; events: { kind: string }[];
  };
  assert.equal(doc.run.state, 'succeeded');
  assert.deepEqual(doc.tasks.map((t) => [t.job, t.attemptsList.map((a) => a.state)]), [['say', ['succeeded']], ['then', ['succeeded']]]);
  assert.ok(doc.events.some((e) => e.kind === 'run_succeeded'));
  assert.match(await ok(box, ['show', '2', '--archived']), /^run 2  flow daily  succeeded/);
  // Files: the archived runs' and run 3's (older than logs: 7d) are gone; run 3 itself and run 4 stay whole.
  assert.deepEqual(readdirSync(join(box.home, 'runs')).sort(), ['4']);
  assert.match(await ok(box, ['show', '3']), /succeeded/);
  assert.match(await ok(box, ['logs', '4', 'say']), /hello from 4/);
  // A second pass finds nothing more.
  assert.equal(await ok(box, ['archive']), 'archived 0 run(s); removed the output of 0 run(s)\n');
}

for (const backend of ['sqlite', 'postgres'] as const) {
  test(`retention on ${backend}: ordo archive, runs --archived, show --archived`, () => inSandbox(backend, PROJECT, scenario));
}

test('ordo server applies retention by itself; bad retention is a diagnostic', async () => {
  const box = sandbox(PROJECT, { ORDO_ARCHIVE_EVERY_MS: '1000' });
  try {
    await ok(box, ['run', 'daily']);
    await ok(box, ['run', 'daily']);
    await age(box, [1], 31);
    const server = box.start(['server', '--listen', '127.0.0.1:0']);
    try {
      await waitFor('the server archived run 1', async () => {
        const r = await box.ordo(['runs', '--archived', '--json']);
        return r.code === 0 && (JSON.parse(r.stdout) as { id: number }[]).some((x) => x.id === 1) ? true : undefined;
      }, { seen: () => server.stderr() });
    } finally {
      await server.stop();
    }
    assert.deepEqual((JSON.parse(await ok(box, ['runs', '--json'])) as { id: number }[]).map((r) => r.id), [2]);
  } finally {
    box.cleanup();
  }
  const bad = sandbox({ 'ordo.yaml': 'retention: { runs: 5m, keep: 3 }\n', 'flows/f.yaml': 'flow: f\njobs:\n  a: { command: [\'true\'] }\n' });
  try {
    const r = await bad.ordo(['validate']);
    assert.equal(r.code, 2);
    assert.match(r.stdout + r.stderr, /ordo\.yaml:1:20: ORDO_BAD_TYPE "retention\.runs" must be a duration of at least 1h such as "90d" or "720h", got/);
    assert.match(r.stdout + r.stderr, /ordo\.yaml:1:24: ORDO_UNKNOWN_KEY unknown key "keep" in "retention"/);
  } finally {
    bad.cleanup();
  }
});
