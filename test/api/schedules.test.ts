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

const SETTINGS = 'gates:\n  eod: {}\nconnectors:\n  dwh: { maxParallel: 2 }\ncalendars:\n  cz:\n    zone: Europe/Prague\n    holidays:\n      fixed: ["01-01"]\n      dates: { "2026-12-31": Bank closing day }\n';

type Fire = { triggerKey: string; state: string; reason: string | null; businessDate: string | null };

test('schedules.list, pause, resume, fires and backfill; plans.next and calendars.year; the commands with --server', async () => {
  const server = await startTestServer({ files: { 'flows/daily.yaml': DAILY, 'ordo.yaml': SETTINGS } });
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

    const next = await op.request('plans.next', { plan: 'daily', from: '2026-01-05T00:00:00Z', count: 2 }) as Array<{ utc: string; businessDate: string }>;
    assert.deepEqual(next.map((f) => [f.utc, f.businessDate]), [['2026-01-05T06:00:00.000Z', '2026-01-05'], ['2026-01-06T06:00:00.000Z', '2026-01-06']]);
    const year = await op.request('calendars.year', { calendar: 'cz', year: 2026 }) as { workingDays: string[]; nonWorkingDays: Array<{ date: string; reason: string; name?: string }> };
    assert.equal(year.workingDays.length, 365 - 104 - 2, '2026: 104 weekend days and two holidays on weekdays');
    assert.deepEqual(year.nonWorkingDays.find((d) => d.date === '2026-12-31'), { date: '2026-12-31', reason: 'holiday', name: 'Bank closing day' });
    await assert.rejects(async () => op.request('calendars.year', { calendar: 'nope' }), /calendar "nope" is not declared in ordo.yaml \(calendars: cz\)/);

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
