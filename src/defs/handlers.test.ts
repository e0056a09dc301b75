import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support/tmp.js';
import { formatDiagnostic } from './diagnostics.js';
import { loadProject } from './load.js';

async function load(files: Record<string, string>) {
  const tmp = tempDir('ordo-handlers-');
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(tmp.path, name), text);
    const result = await loadProject(tmp.path);
    return { ...result, lines: result.diagnostics.map(formatDiagnostic) };
  } finally {
    tmp.cleanup();
  }
}

test('handlers of the project, a flow, a template and a job compile; latestStart too', async () => {
  const { project, lines } = await load({
    'ordo.yaml': [
      'smtp: { host: mail.example.test, port: 587, starttls: true, user: ordo, password: "${{ secrets.SMTP_PW }}", from: ordo@example.test }',
      'handlers:', '  - { on: failure, email: { to: ops@example.test } }',
      'templates:', '  alerted: { handlers: [{ on: [retry], shell: "logger retry" }] }', '',
    ].join('\n'),
    'f.yaml': [
      'flow: f', 'handlers:', '  - on: [success, deadline_miss]', '    timeout: 3s', '    retries: 2',
      '    webhook: { url: "https://hooks.example.test/x", secret: "${{ secrets.HOOK }}", headers: { X-Team: ops } }',
      'jobs:', '  a: { extends: alerted, shell: "true", latestStart: "06:30" }',
      '  b: { kind: noop, handlers: [{ on: expiry, command: [notify, "${{ secrets.TOKEN }}"] }] }', '',
    ].join('\n'),
  });
  assert.deepEqual(lines, []);
  const f = project!.flows.get('f')!;
  assert.deepEqual(f.handlers!.map((h) => [h.level, h.on, h.action.kind, h.retries, h.timeoutMs]),
    [['flow', ['success', 'deadline_miss'], 'webhook', 2, 3000], ['project', ['failure'], 'email', 5, 10_000]]);
  assert.deepEqual(f.handlers![0]!.action, { kind: 'webhook', url: 'https://hooks.example.test/x', secret: '${{ secrets.HOOK }}', headers: { 'X-Team': 'ops' } });
  assert.equal(f.handlers![0]!.where, 'f.yaml:3:5');
  const [a, b] = f.jobs;
  assert.deepEqual(a!.handlers!.map((h) => h.action), [{ kind: 'shell', script: 'logger retry' }]);
  assert.deepEqual(a!.latestStart, { kind: 'timeOfDay', hour: 6, minute: 30, dayOffset: 0, text: '06:30' });
  assert.deepEqual(b!.handlers![0]!.action, { kind: 'command', argv: ['notify', '${{ secrets.TOKEN }}'] });
  assert.equal(project!.settings.smtp!.password, '${{ secrets.SMTP_PW }}');
});

test('every mistake in a handler is reported where it was written', async () => {
  const { project, lines } = await load({
    'ordo.yaml': 'handlers:\n  - { on: failure, email: { to: ops@example.test } }\n',
    'f.yaml': [
      'flow: f', 'handlers:',
      '  - { on: [failure, explode], shell: "true" }',
      '  - { on: success, shell: "true", webhook: { url: "http://x" } }',
      '  - { on: start, webhook: { url: "ftp://x" } }',
      '  - { on: start, webhook: { url: "http://x/${{ params.p }}" } }',
      '  - { shell: "true", colour: red }',
      'jobs:', '  a: { kind: noop, latestStart: "soon" }', '',
    ].join('\n'),
  });
  assert.equal(project, undefined);
  assert.deepEqual(lines, [
    'f.yaml:3:21: ORDO_BAD_VALUE "on" of handler 1 of flow "f": unknown event "explode" (events: start, success, failure, abort, skip, retry, deadline_miss, expiry)',
    'f.yaml:4:5: ORDO_BAD_VALUE handler 2 of flow "f" has "shell" and "webhook": give one',
    'f.yaml:5:34: ORDO_BAD_TYPE "webhook.url" of handler 3 of flow "f" must be an http:// or https:// URL, got the string "ftp://x"',
    lines[3]!,
    'f.yaml:7:5: ORDO_MISSING_KEY handler 5 of flow "f" needs "on": the events it fires on (start, success, failure, abort, skip, retry, deadline_miss, expiry)',
    'f.yaml:7:22: ORDO_UNKNOWN_KEY unknown key "colour" in handler 5 of flow "f" (allowed: on, command, shell, email, webhook, retries, timeout, description)',
    'f.yaml:9:33: ORDO_BAD_VALUE "latestStart" of job "a" must be "HH:MM", "+Nd HH:MM" or an ISO time with offset, got "soon"',
    'ordo.yaml:2:5: ORDO_MISSING_KEY this handler sends e-mail, but ordo.yaml has no "smtp" settings (host, port, from, ...)',
  ]);
  assert.match(lines[3]!, /^f\.yaml:6:\d+: ORDO_BAD_EXPRESSION .*params\.p/);
});
