/**
 * Deliveries end to end inside one process, on SQLite and on a real PostgreSQL: a project's handlers loaded
 * from YAML, an event written through the store (which queues the deliveries in the same transaction), and
 * the dispatcher delivering to a real HTTP receiver, a real SMTP server on loopback and real commands.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { outputFile } from '../exec/paths.js';
import { describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import type { SmtpSettings } from '../defs/handlers.js';
import { loadProject } from '../defs/load.js';
import type { OrdoStore } from '../store/ordo-store.js';
import { getDelivery, listDeliveries, retryDelivery } from '../store/deliveries.js';
import { BACKENDS, type Backend } from '../../test/support/backends.js';
import { tempDir } from '../../test/support/tmp.js';
import { parseKey, type MasterKey } from '../secrets/master-key.js';
import { revealSecrets, setSecret } from '../secrets/vault.js';
import { HandlerDispatcher } from './dispatcher.js';
import { signature } from './webhook.js';

interface Hit { eventId: string; signature: string; body: string; url: string; authorization: string; team: string }

async function receiver(answer: (n: number) => number): Promise<{ url: string; hits: Hit[]; server: Server }> {
  const hits: Hit[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      hits.push({
        eventId: String(req.headers['x-ordo-event-id']), signature: String(req.headers['x-ordo-signature']), body,
        url: req.url ?? '', authorization: String(req.headers.authorization), team: String(req.headers['x-team']),
      });
      res.statusCode = answer(hits.length);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits, server };
}

interface Setup { store: OrdoStore; dir: string; stateDir: string; runId: number; cleanup: () => Promise<void> }

async function setup(backend: Backend, files: Record<string, string>): Promise<Setup> {
  const tmp = tempDir('ordo-alerts-');
  const dir = join(tmp.path, 'project');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const loaded = await loadProject(dir);
  assert.ok(loaded.project, JSON.stringify(loaded.diagnostics));
  const { store, stateDir, release } = await backend.open();
  const def = loaded.project.flows.get('f')!;
  const version = await store.saveFlowVersion(def, 'fp', 1000);
  const run = await store.createRun({ flowVersionId: version.id, flow: 'f', params: {}, jobs: def.jobs.map((j) => j.name), at: 1000 });
  return { store, dir, stateDir, runId: run.id, cleanup: async () => { await release(); tmp.cleanup(); } };
}

interface DispatcherExtra { smtp?: SmtpSettings; key?: MasterKey; owner?: string }

/** A dispatcher as the server makes one; with `key`, secrets are read from the store's vault. */
function dispatcher(s: Setup, extra: DispatcherExtra = {}) {
  const { smtp, key } = extra;
  return new HandlerDispatcher({
    db: s.store.sql, owner: extra.owner ?? 'test', stateDir: s.stateDir, projectDir: s.dir, backoffMs: 1,
    smtp: () => smtp,
    ...(key && { secrets: (names: string[]) => revealSecrets(s.store.sql, key, names) }),
  });
}

const KEY = parseKey(randomBytes(32).toString('hex'), 'the test');

async function drain(d: HandlerDispatcher, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await d.runOnce();
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A port nobody listens on: taken, then given back. */
async function deadPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}

async function smtpServer(): Promise<{ port: number; mails: string[]; logins: string[]; close: () => Promise<void> }> {
  const mails: string[] = [];
  const logins: string[] = [];
  const smtp = new SMTPServer({
    authOptional: true, allowInsecureAuth: true, disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, done) {
      logins.push(`${auth.username}:${auth.password}`);
      if (auth.password === 'smtp-pass-1') done(null, { user: auth.username });
      else done(new Error('bad password'));
    },
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
  return { port: (smtp.server.address() as AddressInfo).port, mails, logins, close: () => new Promise<void>((r) => smtp.close(() => r())) };
}

for (const backend of BACKENDS) {
  describe(`handler deliveries on ${backend.name}`, () => {
    test('a webhook answering 500 is retried with the same event id and signature, then delivered; its secrets come from the vault', async () => {
      const hook = await receiver((n) => (n <= 2 ? 500 : 204));
      const s = await setup(backend, {
        'ordo.yaml': '',
        'f.yaml': [
          'flow: f', 'handlers:', '  - on: [failure]', '    webhook:',
          `      url: "${hook.url}?token=\${{ secrets.HOOK_TOKEN }}"`, '      secret: "${{ secrets.HOOK }}"',
          '      headers: { Authorization: "Bearer ${{ secrets.HOOK_TOKEN }}", X-Team: ops }', 'jobs:', '  a: { kind: noop }', '',
        ].join('\n'),
      });
      try {
        await setSecret(s.store.sql, KEY, 'HOOK', 's3cret-value', 'test', 1000);
        await setSecret(s.store.sql, KEY, 'HOOK_TOKEN', 'tok-123456', 'test', 1000);
        await s.store.appendEvents([{ at: 2000, runId: s.runId, kind: 'run_succeeded' }, { at: 2001, runId: s.runId, kind: 'run_failed' }]);
        const queued = await listDeliveries(s.store.sql);
        assert.equal(queued.length, 1, 'only the failure fires the handler');
        await drain(dispatcher(s, { key: KEY }), 5);
        assert.equal(hook.hits.length, 3);
        assert.equal(new Set(hook.hits.map((h) => h.eventId)).size, 1);
        for (const h of hook.hits) {
          assert.equal(h.signature, signature('s3cret-value', h.body));
          assert.deepEqual([h.url, h.authorization, h.team], ['/hook?token=tok-123456', 'Bearer tok-123456', 'ops']);
          const body = JSON.parse(h.body) as { eventId: number; on: string; flow: string; run: number };
          assert.deepEqual([String(body.eventId), body.on, body.flow, body.run], [h.eventId, 'failure', 'f', s.runId]);
        }
        const [d] = await listDeliveries(s.store.sql);
        assert.deepEqual([d!.state, d!.attempts, d!.lastError], ['delivered', 3, null]);
        const events = (await s.store.events(s.runId)).filter((e) => e.kind.startsWith('handler_'));
        assert.deepEqual(events.map((e) => e.kind), ['handler_failed', 'handler_failed', 'handler_delivered']);
        for (const e of events.slice(0, 2)) {
          assert.match(String(e.data!.error), /^webhook http:\/\/127\.0\.0\.1:\d+\/hook answered 500/);
          assert.equal(typeof e.data!.retryAt, 'number', 'a failed attempt says when it is retried');
        }
        assert.doesNotMatch(JSON.stringify(events), /tok-123456|s3cret-value/, 'no secret in the event log');
      } finally {
        hook.server.close();
        await s.cleanup();
      }
    });

    test('e-mail through a real SMTP server (password from a secret) carries the event; an unreachable server is retried, then dead', async () => {
      const smtp = await smtpServer();
      const unreachable = await deadPort();
      const s = await setup(backend, {
        'ordo.yaml': [
          `smtp: { host: 127.0.0.1, port: ${smtp.port}, user: ordo, password: "\${{ secrets.SMTP_PW }}", from: ordo@example.test }`,
          'handlers:', '  - on: [abort]', '    retries: 2', '    email: { to: ops@example.test }', '',
        ].join('\n'),
        'f.yaml': 'flow: f\njobs:\n  a: { kind: noop, handlers: [{ on: failure, email: { to: [dev@example.test], subject: "a broke" } }] }\n',
      });
      const settings = (port: number): SmtpSettings => ({ host: '127.0.0.1', port, secure: false, starttls: false, user: 'ordo', password: '${{ secrets.SMTP_PW }}', from: 'ordo@example.test' });
      try {
        await setSecret(s.store.sql, KEY, 'SMTP_PW', 'smtp-pass-1', 'test', 1000);
        // The attempt's captured output: its tail goes with the mail.
        const out = outputFile(s.stateDir, String(s.runId), 'a', 1, 'stdout');
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, Array.from({ length: 80 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
        await s.store.appendEvents([{ at: 2000, runId: s.runId, taskId: 1, job: 'a', kind: 'task_failed', data: { attempt: 1, exitCode: 3 } }]);
        await drain(dispatcher(s, { smtp: settings(smtp.port), key: KEY }), 2);
        assert.deepEqual(smtp.logins, ['ordo:smtp-pass-1'], 'logged in with the secret');
        assert.equal(smtp.mails.length, 1);
        const mail = smtp.mails[0]!;
        assert.match(mail, /Subject: a broke/);
        assert.match(mail, /To: dev@example\.test/);
        assert.match(mail, /X-Ordo-Event-Id: \d+/i);
        assert.match(mail, /"exitCode": 3/);
        assert.match(mail, /filename=stdout\.txt/);
        const attached = Buffer.from(/filename=stdout\.txt[\s\S]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n(--|\r\n)/.exec(mail)![1]!, 'base64').toString();
        assert.match(attached, /^line 31\n[\s\S]*line 80\n$/, 'the last 50 lines');

        await s.store.appendEvents([{ at: 3000, runId: s.runId, kind: 'run_aborted' }]);
        await drain(dispatcher(s, { smtp: settings(unreachable), key: KEY }), 6);
        const [d] = await listDeliveries(s.store.sql, { state: 'dead' });
        assert.ok(d, 'the delivery is dead after its retries');
        assert.equal(d.attempts, 3);
        assert.match(d.lastError!, new RegExp(`^smtp 127\\.0\\.0\\.1:${unreachable}: .*ECONNREFUSED`));
        const failed = (await s.store.events(s.runId)).filter((e) => e.kind === 'handler_failed');
        assert.deepEqual(failed.map((e) => [e.data!.attempt, e.data!.dead]), [[1, false], [2, false], [3, true]]);

        // Nothing is lost: once the server is back, an operator's retry delivers it.
        assert.ok(await retryDelivery(s.store.sql, d.id, 'ops', Date.now()));
        await drain(dispatcher(s, { smtp: settings(smtp.port), key: KEY }), 2);
        assert.equal((await getDelivery(s.store.sql, d.id))!.state, 'delivered');
        assert.equal(smtp.mails.length, 2);
        assert.match(smtp.mails[1]!, new RegExp(`X-Ordo-Event-Id: ${d.eventId}`, 'i'));
      } finally {
        await smtp.close();
        await s.cleanup();
      }
    });

    test('a handler naming a secret that is not set, or with no master key, fails clearly where it was written and never touches the run', async () => {
      const hook = await receiver(() => 200);
      const s = await setup(backend, {
        'ordo.yaml': '',
        'f.yaml': `flow: f\njobs:\n  a:\n    kind: noop\n    handlers:\n      - on: [success]\n        retries: 1\n        webhook: { url: "${hook.url}", secret: "\${{ secrets.NOPE }}" }\n`,
      });
      try {
        await s.store.appendEvents([{ at: 2000, runId: s.runId, taskId: 1, job: 'a', kind: 'task_succeeded' }]);
        await drain(dispatcher(s), 1);
        let [d] = await listDeliveries(s.store.sql);
        assert.equal(d!.state, 'pending', 'retried');
        assert.match(d!.lastError!, /f\.yaml:6:9 uses secrets \(NOPE\), but this server has no master key/);
        await drain(dispatcher(s, { key: KEY }), 1);
        [d] = await listDeliveries(s.store.sql);
        assert.equal(d!.state, 'dead');
        assert.match(d!.lastError!, /^the handler at f\.yaml:6:9: secret "NOPE" not set \(an admin sets one with: ordo secret set NAME\)/);
        assert.equal(hook.hits.length, 0);
        assert.equal((await s.store.getRun(s.runId))!.state, 'pending');
        // Set, and retried by an operator: delivered, signed with it.
        await setSecret(s.store.sql, KEY, 'NOPE', 'now-set-1', 'test', 3000);
        await retryDelivery(s.store.sql, d!.id, 'ops', Date.now());
        await drain(dispatcher(s, { key: KEY }), 1);
        assert.equal((await getDelivery(s.store.sql, d!.id))!.state, 'delivered');
        assert.equal(hook.hits[0]!.signature, signature('now-set-1', hook.hits[0]!.body));
      } finally {
        hook.server.close();
        await s.cleanup();
      }
    });

    test('a command handler gets the event on stdin and in ORDO_EVENT; one that hangs is killed after its timeout and retried', async () => {
      const s = await setup(backend, {
        'ordo.yaml': '',
        'f.yaml': [
          'flow: f', 'jobs:', '  a:', '    kind: noop', '    handlers:',
          '      - { on: retry, command: [sh, -c, "cat > seen.json; printf %s \\"$ORDO_EVENT_ID\\" > seen.id"] }',
          '      - { on: retry, shell: "sleep 30", timeout: 200ms, retries: 1 }', '',
        ].join('\n'),
      });
      try {
        await s.store.appendEvents([{ at: 2000, runId: s.runId, taskId: 1, job: 'a', kind: 'retry_scheduled', data: { attempt: 1 } }]);
        const started = Date.now();
        await drain(dispatcher(s), 3);
        assert.ok(Date.now() - started < 10_000, 'the hanging handler was killed, not waited for');
        const byName = new Map((await listDeliveries(s.store.sql)).map((d) => [d.name, d]));
        const ok = byName.get('job:a#1')!;
        assert.equal(ok.state, 'delivered');
        const seen = JSON.parse(readFileSync(join(s.dir, 'seen.json'), 'utf8')) as { eventId: number; on: string; job: string };
        assert.deepEqual([seen.eventId, seen.on, seen.job], [ok.eventId, 'retry', 'a']);
        assert.equal(readFileSync(join(s.dir, 'seen.id'), 'utf8'), String(ok.eventId));
        const hung = byName.get('job:a#2')!;
        assert.deepEqual([hung.state, hung.attempts], ['dead', 2]);
        assert.equal(hung.lastError, 'command /bin/sh: killed after 200 ms');
      } finally {
        await s.cleanup();
      }
    });

    test('two dispatchers on one store make each delivery once', async () => {
      const hook = await receiver(() => 200);
      const s = await setup(backend, {
        'ordo.yaml': '',
        'f.yaml': `flow: f\nhandlers: [{ on: [skip], webhook: { url: "${hook.url}" } }]\njobs:\n  a: { kind: noop }\n`,
      });
      try {
        await s.store.appendEvents(Array.from({ length: 30 }, (_, i) => ({ at: 2000 + i, runId: s.runId, taskId: 1, job: 'a', kind: 'task_skipped' })));
        const [one, two] = [dispatcher(s, { owner: 'one' }), dispatcher(s, { owner: 'two' })];
        await Promise.all([drain(one, 4), drain(two, 4)]);
        const all = await listDeliveries(s.store.sql);
        assert.equal(all.length, 30);
        assert.ok(all.every((d) => d.state === 'delivered' && d.attempts === 1), JSON.stringify(all.map((d) => [d.state, d.attempts])));
        assert.equal(hook.hits.length, 30);
        assert.equal(new Set(hook.hits.map((h) => h.eventId)).size, 30, 'no event delivered twice');
      } finally {
        hook.server.close();
        await s.cleanup();
      }
    });
  });
}
