/**
 * Seed 001's examples, end to end on the durable engine, on SQLite and PostgreSQL: calltest (with an
 * in-process worker and with an action implemented by a command), whiletest, casetest, and
 * prov.vhost_event with small stub actions.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../../src/paths.js';
import { announceCommands, commandActions } from '../../src/worker/command.js';
import { tempDir } from '../support/tmp.js';
import { ADD_AC, add, CALLTEST_WF, compileOrThrow, eachBackend } from './support.js';

const EXAMPLES = repoPath('test', 'lang', 'examples');
const examples = (): Record<string, string> =>
  Object.fromEntries(readdirSync(EXAMPLES).filter((f) => /\.(wf|ac)$/.test(f)).map((f) => [f, readFileSync(join(EXAMPLES, f), 'utf8')]));

eachBackend('calltest {input: 123} gives {output: 126} with an in-process add worker', async (kit) => {
  await kit.compile({ 'add.ac': ADD_AC, 'calltest.wf': CALLTEST_WF });
  const end = await kit.run('calltest', { input: 123 });
  assert.deepEqual(end, { id: end.id, runId: end.id, status: 'done', output: { output: 126 }, error: null });
  const steps = await kit.wf.steps(end.id);
  assert.deepEqual(steps.map((s) => `${s.op}:${s.event?.kind ?? '-'}:${s.effect?.kind ?? '-'}:${s.status}`),
    ['call:-:call_action:waiting', 'call:action_done:-:running', 'end:-:done:done']);
  const kinds = (await kit.wf.events(end.id)).map((e) => e.kind);
  assert.deepEqual(kinds, ['wf_run_created', 'wf_task_claimed', 'wf_task_done', 'wf_run_done']);
});

eachBackend('calltest {input: 123} gives {output: 126} with add implemented by a command', async (kit) => {
  const project = tempDir('ordo-wf-cmd-');
  try {
    mkdirSync(join(project.path, 'scripts'));
    writeFileSync(join(project.path, 'scripts', 'add.js'), [
      "const fs = require('node:fs');",
      "const fromStdin = JSON.parse(fs.readFileSync(0, 'utf8'));",
      "const input = JSON.parse(fs.readFileSync(process.env.ORDO_INPUT, 'utf8'));",
      "if (JSON.stringify(input) !== JSON.stringify(fromStdin)) throw new Error('stdin and ORDO_INPUT differ');",
      'fs.writeFileSync(process.env.ORDO_RESULT, JSON.stringify({ counter: input.counter + input.step }));',
    ].join('\n'));
    writeFileSync(join(project.path, 'package.json'), '{"type": "commonjs"}');
    const compiled = compileOrThrow({ 'add.ac': `${ADD_AC}    config:\n      command = 'node scripts/add.js'\n`, 'calltest.wf': CALLTEST_WF });
    await kit.engine.register(compiled);
    const { commands, problems } = commandActions(compiled.actions);
    assert.deepEqual(problems, []);
    announceCommands(kit.worker, commands, { projectDir: project.path, workDir: join(project.path, '.ordo', 'tasks') });
    const end = await kit.run('calltest', { input: 123 });
    assert.deepEqual(end.output, { output: 126 });
  } finally {
    project.cleanup();
  }
}, { actions: {}, realClock: true });

eachBackend('whiletest and casetest give the documented results', async (kit) => {
  await kit.compile(examples());
  assert.deepEqual((await kit.run('whiletest', { input: 3 })).output, { output: 10 }, 'counts 3 to 10 by one');
  assert.deepEqual((await kit.run('casetest', { input: 'foo' })).output, { counter: 11, thing: 'got foo' });
  assert.deepEqual((await kit.run('casetest', { input: 'baz' })).output, { counter: -1, thing: 'got bar or baz' });
  assert.deepEqual((await kit.run('casetest', { input: 'qux' })).output, { counter: -1, thing: 'dunno what i got: qux' });
}, { actions: { add } });

eachBackend('prov.vhost_event runs with stub actions, taking and releasing its locks', async (kit) => {
  await kit.compile(examples());
  const end = await kit.run('prov.vhost_event', { zone: 'example.com', zoneid: 7, vhost: 'www' });
  assert.deepEqual(end.output, { result: true, log: 'template set; ip 192.0.2.1' });
  assert.deepEqual(await kit.wf.db.query('SELECT * FROM wf_locks'), []);
  const calls = (await kit.wf.tasks(end.id)).map((t) => t.action);
  assert.deepEqual(calls, ['provdb_get_rid_by_vhost', 'dwh_vhost_event', 'provdb_update_zone_template', 'prov.get_ip_list', 'provdb_set_initial_ip']);
}, {
  actions: {
    provdb_get_rid_by_vhost: async () => ({ rid: 1, orderno: 'o-1', clientid: 3 }),
    dwh_vhost_event: async () => ({ result: true, postconfigure: 'set_default_ip', comment: 'template set' }),
    provdb_update_zone_template: async () => ({ result: true }),
    'prov.get_ip_list': async () => ({ array: ['192.0.2.1'] }),
    provdb_set_initial_ip: async (input) => ({ result: true, log: `; ip ${(input.ips as string[]).join(',')}` }),
  },
});
