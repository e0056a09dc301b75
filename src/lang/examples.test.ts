import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LANG_DIR, add, readDir } from '../../test/lang/support.js';
import { compileSources } from './compile.js';
import type { JsonObject } from './json.js';
import { MemoryDriver, type ActionImpl } from './vm/memory-driver.js';

/** The examples of seed 001 (test/lang/examples) compile without a diagnostic and give their results. */
const compiled = compileSources(readDir(`${LANG_DIR}examples`));

async function run(workflow: string, input: JsonObject, impls: Record<string, ActionImpl> = { add }): Promise<JsonObject | null> {
  const driver = new MemoryDriver({ workflows: compiled.workflows, actions: compiled.actions, impls, jsonRoundTrip: true });
  const res = await driver.run(workflow, input);
  assert.equal(res.status, 'done', JSON.stringify(res.error));
  return res.output;
}

test('the examples compile cleanly', () => {
  assert.deepEqual(compiled.diagnostics, []);
  assert.deepEqual([...compiled.workflows.keys()].sort(), ['calltest', 'casetest', 'everything', 'prov.vhost_event', 'whiletest']);
});

test('everything.wf (every statement in one workflow) gives its documented result', async () => {
  assert.deepEqual(await run('everything', { numbers: [1, 2] }), {
    total: 60, log: 'hello split 4,5 foobar caught abort', event: { name: 'ticks', event: { kind: 'tick', n: 1 } },
  });
  assert.deepEqual(await run('everything', { numbers: [], word: 'other' }), { total: 60, log: 'hello split 4,5' });
});

test('calltest {input: 123} gives {output: 126}', async () => {
  assert.deepEqual(await run('calltest', { input: 123 }), { output: 126 });
});

test('whiletest adds until the counter reaches 10', async () => {
  assert.deepEqual(await run('whiletest', { input: 3 }), { output: 10 });
  assert.deepEqual(await run('whiletest', { input: 42 }), { output: 43 });
});

test('casetest takes each branch', async () => {
  assert.deepEqual(await run('casetest', { input: 'foo' }), { counter: 11, thing: 'got foo' });
  assert.deepEqual(await run('casetest', { input: 'baz' }), { counter: -1, thing: 'got bar or baz' });
  assert.deepEqual(await run('casetest', { input: 'quux' }), { counter: -1, thing: 'dunno what i got: quux' });
});

const prov = (postconfigure: string | null, ips: string[]): Record<string, ActionImpl> => ({
  provdb_get_rid_by_vhost: async (i) => ({ rid: (i.zoneid as number) * 10, orderno: 'o-1', clientid: 42 }),
  dwh_vhost_event: async (i) => ({ result: i.rid === 50, ...(postconfigure ? { postconfigure, comment: 'dwh' } : {}) }),
  provdb_update_zone_template: async () => ({ result: true }),
  'prov.get_ip_list': async () => ({ array: ips }),
  provdb_set_initial_ip: async (i) => ({ result: true, log: `; ip ${String((i.ips as string[])[0])}` }),
});

test('prov.vhost_event: with and without the default-IP post-configuration', async () => {
  const input = { zone: 'example.org', zoneid: 5, vhost: 'www.example.org' };
  assert.deepEqual(await run('prov.vhost_event', input, prov('set_default_ip', ['192.0.2.1'])), { result: true, log: 'dwh; ip 192.0.2.1' });
  assert.deepEqual(await run('prov.vhost_event', input, prov('set_default_ip', [])), { result: true, log: 'dwh' });
  assert.deepEqual(await run('prov.vhost_event', input, prov(null, [])), { result: true });
});

test('prov.vhost_event holds its locks while it runs and frees them at the end', async () => {
  const impls = prov(null, []);
  let during: Array<string | undefined> = [];
  const holders = { driver: undefined as MemoryDriver | undefined };
  const spy: ActionImpl = async (i, ctx) => {
    const locks = holders.driver?.locks;
    during = [locks?.holderOf('zoneid', '5'), locks?.holderOf('workflowlock', 'prov.vhost_event')];
    return (impls.provdb_get_rid_by_vhost as ActionImpl)(i, ctx);
  };
  const driver = new MemoryDriver({ workflows: compiled.workflows, actions: compiled.actions, impls: { ...impls, provdb_get_rid_by_vhost: spy } });
  holders.driver = driver;
  const res = await driver.run('prov.vhost_event', { zone: 'z', zoneid: 5, vhost: 'v' });
  assert.equal(res.status, 'done');
  assert.deepEqual(during, [res.runId, res.runId]);
  assert.equal(driver.locks.holderOf('workflowlock', 'prov.vhost_event'), undefined);
  assert.equal(driver.locks.holderOf('zoneid', '5'), undefined);
});
