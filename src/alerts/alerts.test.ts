/**
 * Deliveries end to end inside one process, on SQLite: a project's handlers loaded from YAML, an event
 * written through the store (which queues the deliveries in the same transaction), and the dispatcher
 * delivering to a real HTTP receiver and a real SMTP server on loopback.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { outputFile } from '../exec/paths.js';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { loadProject } from '../defs/load.js';
import { openStore } from '../store/open.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { listDeliveries } from '../store/deliveries.js';
import { tempDir } from '../../test/support/tmp.js';
import { HandlerDispatcher } from './dispatcher.js';
import { signature } from './webhook.js';

interface Hit { eventId: string; signature: string; body: string }

async function receiver(answer: (n: number) => number): Promise<{ url: string; hits: Hit[]; server: Server }> {
  const hits: Hit[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      hits.push({ eventId: String(req.headers['x-ordo-event-id']), signature: String(req.headers['x-ordo-signature']), body });
      res.statusCode = answer(hits.length);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits, server };
}

async function setup(files: Record<string, string>): Promise<{ store: OrdoStore; dir: string; runId: number; cleanup: () => void }> {
  const tmp = tempDir('ordo-alerts-');
  const dir = join(tmp.path, 'project');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const loaded = await loadProject(dir);
  assert.ok(loaded.project, JSON.stringify(loaded.diagnostics));
  const store = await openStore({ stateDir: join(tmp.path, 'state') });
  const def = loaded.project.flows.get('f')!;
  const version = await store.saveFlowVersion(def, 'fp', 1000);
  const run = await store.createRun({ flowVersionId: version.id, flow: 'f', params: {}, jobs: def.jobs.map((j) => j.name), at: 1000 });
  return { store, dir, runId: run.id, cleanup: () => tmp.cleanup() };
}

function dispatcher(store: OrdoStore, dir: string, smtp?: { host: string; port: number; from: string }, now = () => Date.now()) {
  return new HandlerDispatcher({
    db: store.sql, owner: 'test', stateDir: join(dir, '..', 'state'), projectDir: dir, backoffMs: 1, now,
    smtp: () => smtp && { ...smtp, secure: false, starttls: false },
  });
}

async function drain(d: HandlerDispatcher, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await d.runOnce();
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a webhook answering 500 is retried with the same event id and signature, then delivered', async () => {
  const hook = await receiver((n) => (n <= 2 ? 500 : 204));
  const { store, dir, runId, cleanup } = await setup({
    'ordo.yaml': '',
    'f.yaml': `flow: f\nhandlers:\n  - on: [failure]\n    webhook: { url: "${hook.url}", secret: "s3cret-value" }\njobs:\n  a: { kind: noop }\n`,
  });
  try {
    await store.appendEvents([{ at: 2000, runId, kind: 'run_succeeded' }, { at: 2001, runId, kind: 'run_failed' }]);
    const queued = await listDeliveries(store.sql);
    assert.equal(queued.length, 1, 'only the failure fires the handler');
    await drain(dispatcher(store, dir), 5);
    assert.equal(hook.hits.length, 3);
    assert.equal(new Set(hook.hits.map((h) => h.eventId)).size, 1);
    for (const h of hook.hits) {
      assert.equal(h.signature, signature('s3cret-value', h.body));
      const body = JSON.parse(h.body) as { eventId: number; on: string; flow: string; run: number };
      assert.deepEqual([String(body.eventId), body.on, body.flow, body.run], [h.eventId, 'failure', 'f', runId]);
    }
    const [d] = await listDeliveries(store.sql);
    assert.deepEqual([d!.state, d!.attempts, d!.lastError], ['delivered', 3, null]);
    const kinds = (await store.events(runId)).map((e) => e.kind);
    assert.deepEqual(kinds.filter((k) => k.startsWith('handler_')), ['handler_failed', 'handler_failed', 'handler_delivered']);
  } finally {
    hook.server.close();
    await store.close();
    cleanup();
  }
});

test('e-mail through a real SMTP server carries the event; an unreachable one is retried, then dead', async () => {
  const mails: string[] = [];
  const smtp = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      let text = '';
      stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
      stream.on('end', () => {
        mails.push(text);
        done();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const port = (smtp.server.address() as AddressInfo).port;
  // A port nobody listens on: taken, then given back.
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const deadPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const { store, dir, runId, cleanup } = await setup({
    'ordo.yaml': `smtp: { host: 127.0.0.1, port: ${port}, from: ordo@example.test }\nhandlers:\n  - on: [abort]\n    retries: 2\n    email: { to: ops@example.test }\n`,
    'f.yaml': 'flow: f\njobs:\n  a: { kind: noop, handlers: [{ on: failure, email: { to: [dev@example.test], subject: "a broke" } }] }\n',
  });
  try {
    // The attempt's captured output: its tail goes with the mail.
    const out = outputFile(join(dir, '..', 'state'), String(runId), 'a', 1, 'stdout');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, Array.from({ length: 80 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
    await store.appendEvents([{ at: 2000, runId, taskId: 1, job: 'a', kind: 'task_failed', data: { attempt: 1, exitCode: 3 } }]);
    await drain(dispatcher(store, dir, { host: '127.0.0.1', port, from: 'ordo@example.test' }), 2);
    assert.equal(mails.length, 1);
    assert.match(mails[0]!, /Subject: a broke/);
    assert.match(mails[0]!, /To: dev@example\.test/);
    assert.match(mails[0]!, /X-Ordo-Event-Id: \d+/i);
    assert.match(mails[0]!, /"exitCode": 3/);
    assert.match(mails[0]!, /filename=stdout\.txt/);
    const attached = Buffer.from(/filename=stdout\.txt[\s\S]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n(--|\r\n)/.exec(mails[0]!)![1]!, 'base64').toString();
    assert.match(attached, /^line 31\n[\s\S]*line 80\n$/, 'the last 50 lines');

    await store.appendEvents([{ at: 3000, runId, kind: 'run_aborted' }]);
    await drain(dispatcher(store, dir, { host: '127.0.0.1', port: deadPort, from: 'ordo@example.test' }), 6);
    const [d] = await listDeliveries(store.sql, { state: 'dead' });
    assert.ok(d, 'the delivery is dead after its retries');
    assert.equal(d.attempts, 3);
    assert.match(d.lastError!, /ECONNREFUSED/);
    const failed = (await store.events(runId)).filter((e) => e.kind === 'handler_failed');
    assert.equal(failed.length, 3);
    assert.equal(failed.at(-1)!.data!.dead, true);
  } finally {
    await new Promise<void>((r) => smtp.close(() => r()));
    await store.close();
    cleanup();
  }
});

test('a handler naming a secret without a master key fails clearly and never touches the run', async () => {
  const hook = await receiver(() => 200);
  const { store, dir, runId, cleanup } = await setup({
    'ordo.yaml': '',
    'f.yaml': `flow: f\njobs:\n  a:\n    kind: noop\n    handlers:\n      - on: [success]\n        retries: 0\n        webhook: { url: "${hook.url}", secret: "\${{ secrets.NOPE }}" }\n`,
  });
  try {
    await store.appendEvents([{ at: 2000, runId, taskId: 1, job: 'a', kind: 'task_succeeded' }]);
    await drain(dispatcher(store, dir), 1);
    const [d] = await listDeliveries(store.sql);
    assert.equal(d!.state, 'dead');
    assert.match(d!.lastError!, /f\.yaml:6:9 uses secrets \(NOPE\), but this server has no master key/);
    assert.equal(hook.hits.length, 0);
    assert.equal((await store.getRun(runId))!.state, 'pending');
  } finally {
    hook.server.close();
    await store.close();
    cleanup();
  }
});
