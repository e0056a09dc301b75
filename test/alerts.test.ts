/**
 * Handlers survive a crash: a real `ordo server` makes a webhook delivery and is killed (SIGKILL) while the
 * receiver holds the request unanswered; a new server delivers it again once the lease runs out. The
 * receiver sees every delivery of the event with the same X-Ordo-Event-Id and a valid signature (at least
 * once, one event id), and the delivery ends `delivered` with its attempts and events.
 */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { signature } from '../src/alerts/webhook.js';
import { listDeliveries } from '../src/store/deliveries.js';
import { openStore } from '../src/store/open.js';
import { describeResult, lines, sandbox, waitFor, type CliProcess, type Sandbox } from './support/cli.js';
import { tempDir } from './support/tmp.js';

const SECRET = 'hook-signing-key-1';

interface Hit { eventId: string; signature: string; body: string }

function startServer(box: Sandbox): CliProcess {
  return box.start(['server', '--listen', '127.0.0.1:0'], { timeoutMs: 120_000 });
}

async function started(server: CliProcess): Promise<void> {
  await waitFor('the server to start', async () => lines(server.stderr()).find((l) => l.includes('ordo server: started')), { seen: () => server.stderr() });
}

test('a webhook delivery interrupted by SIGKILL of the server is made by the next server, with the same event id', async () => {
  const hits: Hit[] = [];
  const held: ServerResponse[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      hits.push({ eventId: String(req.headers['x-ordo-event-id']), signature: String(req.headers['x-ordo-signature']), body });
      if (hits.length === 1) held.push(res); // the first delivery never gets an answer: its server dies meanwhile
      else res.writeHead(200).end('thanks');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
  const keys = tempDir('ordo-alert-key-');
  const keyFile = join(keys.path, 'master.key');
  const box = sandbox({
    'ordo.yaml': '',
    'f.yaml': [
      'flow: f', 'jobs:', '  a:', '    shell: "echo boom; exit 3"', '    handlers:', '      - on: [failure]',
      `        webhook: { url: "${url}", secret: "\${{ secrets.HOOK }}" }`, '',
    ].join('\n'),
  }, { ORDO_MASTER_KEY_FILE: keyFile, ORDO_HANDLER_LEASE_MS: '1500', ORDO_HANDLER_POLL_MS: '100', ORDO_HANDLER_BACKOFF_MS: '100' });
  let server: CliProcess | null = null;
  try {
    for (const args of [['secret', 'keygen', keyFile], ['validate']]) {
      const r = await box.ordo(args);
      assert.equal(r.code, 0, describeResult(args, r));
    }
    writeFileSync(join(keys.path, 'hook'), SECRET);
    const set = await box.ordo(['secret', 'set', 'HOOK', '--file', join(keys.path, 'hook')]);
    assert.equal(set.code, 0, describeResult(['secret', 'set'], set));

    server = startServer(box);
    await started(server);
    const start = await box.ordo(['start', 'f']);
    assert.equal(start.code, 0, describeResult(['start', 'f'], start));
    await waitFor('the first delivery', async () => (hits.length > 0 ? true : undefined), { seen: () => server!.stderr() });
    server.child.kill('SIGKILL');
    const killed = await server.exited;
    assert.equal(killed.signal, 'SIGKILL');
    for (const res of held) res.destroy();

    server = startServer(box);
    await started(server);
    await waitFor('the delivery after the restart', async () => (hits.length >= 2 ? true : undefined), { seen: () => server!.stderr() });
    const store = await openStore({ stateDir: box.home });
    try {
      const delivered = await waitFor('the delivery to be recorded', async () => {
        const [d] = await listDeliveries(store.sql);
        return d?.state === 'delivered' ? d : undefined;
      });
      assert.equal(delivered.attempts, 2, 'claimed by the killed server, then by the new one');
      const ids = new Set(hits.map((h) => h.eventId));
      assert.deepEqual([...ids], [String(delivered.eventId)], 'one event id for every delivery of the event');
      for (const h of hits) {
        assert.equal(h.signature, signature(SECRET, h.body));
        const body = JSON.parse(h.body) as { eventId: number; event: string; job: string; data: { exitCode: number } };
        assert.deepEqual([body.eventId, body.event, body.job, body.data.exitCode], [delivered.eventId, 'task_failed', 'a', 3]);
      }
      const kinds = (await store.events(delivered.runId!)).map((e) => e.kind);
      assert.ok(kinds.includes('handler_delivered'), kinds.join(' '));
      assert.equal((await store.getRun(delivered.runId!))!.state, 'failed', 'the run ends as its job did; the handler changes nothing');
    } finally {
      await store.close();
    }
    const stopped = await server.stop(10_000);
    assert.equal(stopped.code, 0, describeResult(['server'], stopped));
  } finally {
    if (server) await server.stop(2_000);
    receiver.close();
    box.cleanup();
    keys.cleanup();
  }
});
