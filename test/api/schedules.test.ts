/**
 * The schedule methods on a real server (what `ordo schedules|fires|pause|resume|backfill` do), and the
 * commands against the server: a paused flow's gate fire is recorded as skipped; backfill queues one fire
 * per business date of its cron trigger.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeResult, runCli } from '../support/cli.js';
import { rpcClient, startTestServer, waitFor } from './support.js';

const DAILY = 'flow: daily\nparams:\n  business_date: { type: string, default: "none" }\ntriggers:\n  - cron: "0 6 * * *"\n  - gate: eod\njobs:\n  a: { kind: noop }\n';

type Fire = { triggerKey: string; state: string; reason: string | null; businessDate: string | null };

test('schedules.list, pause, resume, fires and backfill; the same commands with --server', async () => {
  const server = await startTestServer({ files: { 'flows/daily.yaml': DAILY } });
  try {
    const op = rpcClient(server.url, server.tokens.operator);
    const list = await op.request('schedules.list', {}) as Array<{ flow: string; paused: boolean; triggers: string[] }>;
    assert.deepEqual(list.map((r) => [r.flow, r.paused, r.triggers.length]), [['daily', false, 2]]);
    assert.deepEqual(await op.request('schedules.pause', { flow: 'daily' }), { flow: 'daily', paused: true });
    await op.request('gates.open', { name: 'eod' });
    const skipped = await waitFor('the gate fire, skipped', async () => {
      const fires = await op.request('schedules.fires', { flow: 'daily' }) as Fire[];
      return fires.find((f) => f.triggerKey.startsWith('gate') && f.state === 'skipped');
    }, 15_000);
    assert.equal(skipped.reason, 'the schedule is paused');
    assert.deepEqual(await op.request('schedules.resume', { flow: 'daily' }), { flow: 'daily', paused: false });
    const queued = await op.request('schedules.backfill', { flow: 'daily', from: '2026-01-05', to: '2026-01-07' }) as Array<{ businessDate: string }>;
    assert.deepEqual(queued.map((q) => q.businessDate), ['2026-01-05', '2026-01-06', '2026-01-07']);
    await assert.rejects(async () => op.request('schedules.backfill', { flow: 'daily', from: '2026-01-07', to: '2026-01-05' }), /from 2026-01-07 is after to 2026-01-05/);

    const remote = ['--server', server.url, '--token', server.tokens.operator];
    const ordo = async (args: string[]) => {
      const r = await runCli([...args, ...remote], { cwd: server.dir });
      assert.equal(r.code, 0, describeResult(args, r));
      return r.stdout;
    };
    assert.match(await ordo(['schedules']), /^daily +active /m);
    assert.equal(await ordo(['pause', 'daily']), 'flow daily: schedule paused\n');
    assert.match(await ordo(['fires', 'daily']), /gate:eod|skipped/);
    assert.equal(await ordo(['resume', 'daily']), 'flow daily: schedule resumed\n');
  } finally {
    await server.close();
  }
});
