/**
 * Command handlers end to end, on SQLite and on a real PostgreSQL: a real `ordo server` drives a run whose
 * job succeeds; its command handler sees the event on stdin and in ORDO_EVENT / ORDO_EVENT_ID, fails on
 * its first attempt and is retried, while a second handler never succeeds and ends `dead`. The run ends
 * `succeeded` all the same, each outcome is in the run's event log, and `ordo handlers` shows both.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inSandbox } from './support/backend-sandbox.js';
import { describeResult, lines, waitFor, type CliProcess, type Sandbox } from './support/cli.js';

interface View { id: number; eventId: number; run: number; job: string; handler: string; state: string; attempts: number; maxAttempts: number; lastError: string | null }

const HANDLER = [
  '#!/bin/sh',
  '# Counts its attempts; the first one fails.',
  'n=$(cat attempts 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > attempts',
  'cat > got-stdin.json',
  'printf "%s" "$ORDO_EVENT" > got-env.json',
  'printf "%s" "$ORDO_EVENT_ID" > got-id',
  'if [ "$n" -lt 2 ]; then echo "not yet ($n)" >&2; exit 1; fi',
  '',
].join('\n');

const FILES = {
  'ordo.yaml': '',
  'handler.sh': HANDLER,
  'f.yaml': [
    'flow: f', 'jobs:', '  a:', '    shell: "echo done"', '    handlers:',
    '      - { on: [success], command: [sh, handler.sh], retries: 3 }',
    '      - { on: success, command: [sh, -c, "echo refused >&2; exit 7"], retries: 1 }', '',
  ].join('\n'),
};

async function scenario(box: Sandbox): Promise<void> {
  const server: CliProcess = box.start(['server', '--listen', '127.0.0.1:0'], { timeoutMs: 120_000 });
  try {
    await waitFor('the server to start', async () => lines(server.stderr()).find((l) => l.includes('ordo server: started')), { seen: () => server.stderr() });
    const start = await box.ordo(['start', 'f', '--json']);
    assert.equal(start.code, 0, describeResult(['start'], start));
    const runId = (JSON.parse(start.stdout) as { run: number }).run;
    const settled = await waitFor('both deliveries to settle', async () => {
      const r = await box.ordo(['handlers', '--json', '--run', String(runId)]);
      assert.equal(r.code, 0, describeResult(['handlers'], r));
      const list = JSON.parse(r.stdout) as View[];
      return list.length === 2 && list.every((d) => d.state !== 'pending') ? list : undefined;
    }, { seen: () => server.stderr() });
    const [ok, dead] = [...settled].sort((x, y) => x.id - y.id);
    assert.deepEqual([ok!.state, ok!.attempts, ok!.lastError, ok!.handler, ok!.job], ['delivered', 2, null, 'job:a#1', 'a']);
    assert.deepEqual([dead!.state, dead!.attempts, dead!.maxAttempts], ['dead', 2, 2]);
    assert.match(dead!.lastError!, /command sh: exit 7: refused/);

    // What the handler saw: the same payload on stdin and in ORDO_EVENT, and the event's id.
    const read = (name: string) => readFileSync(join(box.project, name), 'utf8');
    assert.equal(read('attempts').trim(), '2');
    assert.equal(read('got-stdin.json'), read('got-env.json'));
    const payload = JSON.parse(read('got-stdin.json')) as { eventId: number; event: string; on: string; flow: string; run: number; job: string; handler: string };
    assert.deepEqual(payload, { ...payload, eventId: ok!.eventId, event: 'task_succeeded', on: 'success', flow: 'f', run: runId, job: 'a', handler: 'job:a#1' });
    assert.equal(read('got-id'), String(ok!.eventId));

    const show = await box.ordo(['show', String(runId), '--json']);
    assert.equal((JSON.parse(show.stdout) as { run: { state: string } }).run.state, 'succeeded', 'failing handlers never fail the run');
    const events = await box.ordo(['events', String(runId), '--json']);
    const log = lines(events.stdout).map((l) => JSON.parse(l) as { kind: string; data?: { handler?: string; dead?: boolean } })
      .filter((e) => e.kind.startsWith('handler_')).map((e) => `${e.kind} ${e.data?.handler ?? ''}${e.data?.dead ? ' dead' : ''}`);
    assert.deepEqual(log.sort(), ['handler_delivered job:a#1', 'handler_failed job:a#1', 'handler_failed job:a#2', 'handler_failed job:a#2 dead']);

    // The alias and the table; a retry of the dead one gets it a fresh set of attempts (and it fails again).
    const table = await box.ordo(['alerts', '--state', 'dead']);
    assert.equal(table.code, 0, describeResult(['alerts'], table));
    const rows = lines(table.stdout);
    assert.equal(rows.length, 3, table.stdout);
    assert.match(rows[2]!, new RegExp(`^${dead!.id}\\s+${dead!.eventId}\\s+${runId}\\s+a\\s+job:a#2\\s+success\\s+command\\s+dead\\s+2/2\\s.*exit 7: refused$`));
    const retry = await box.ordo(['handlers', 'retry', String(dead!.id)]);
    assert.equal(retry.stdout, `delivery ${dead!.id} due again\n`, describeResult(['handlers', 'retry'], retry));
    await waitFor('the retried delivery to be dead again', async () => {
      const r = await box.ordo(['handlers', '--json', '--state', 'dead']);
      const again = (JSON.parse(r.stdout) as View[]).find((d) => d.id === dead!.id);
      const events = lines((await box.ordo(['events', String(runId), '--json'])).stdout).map((l) => JSON.parse(l) as { kind: string });
      return again && events.filter((e) => e.kind === 'handler_failed').length === 5 ? again : undefined;
    }, { seen: () => server.stderr() });
    const notDead = await box.ordo(['handlers', 'retry', String(ok!.id)]);
    assert.equal(notDead.code, 4, describeResult(['handlers', 'retry'], notDead));
    assert.match(notDead.stderr, /ORDO_BAD_STATE delivery \d+ is delivered: only a dead one can be retried/);
    const missing = await box.ordo(['handlers', 'retry', '999']);
    assert.equal(missing.code, 3, describeResult(['handlers', 'retry'], missing));
    for (const args of [['handlers', '--state', 'lost'], ['handlers', '--run', 'x'], ['handlers', 'retry', '0']]) {
      const bad = await box.ordo(args);
      assert.equal(bad.code, 2, describeResult(args, bad));
      assert.match(bad.stderr, /ORDO_BAD_ARGUMENT/);
    }
  } finally {
    const stopped = await server.stop(10_000);
    assert.equal(stopped.code, 0, describeResult(['server'], stopped));
  }
}

for (const backend of ['sqlite', 'postgres'] as const) {
  test(`command handlers on ${backend}: the event on stdin and in ORDO_EVENT, retried, dead, never failing the run`, async () => {
    await inSandbox(backend, FILES, scenario, { ORDO_HANDLER_POLL_MS: '50', ORDO_HANDLER_BACKOFF_MS: '50' });
  });
}
