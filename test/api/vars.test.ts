/** runs.start with `vars`: overrides recorded with the run and used by its jobs; an unknown one is ORDO_BAD_PARAM. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rpcClient, startTestServer, waitFor } from './support.js';

test('runs.start takes vars: the run records them and its job sees them; an unknown name is refused', async () => {
  const t = await startTestServer({
    files: { 'ordo.yaml': 'vars: { region: eu, size: 1 }\n', 'flows/v.yaml': 'flow: v\njobs:\n  a: { command: [echo, "${{ vars.region }}-${{ vars.size }}"] }\n' },
  });
  try {
    const client = rpcClient(t.url, t.tokens.operator);
    const { run } = await client.request('runs.start', { flow: 'v', vars: { region: 'us', size: 3 } }) as { run: number };
    const got = await waitFor('the run to end', async () => {
      const r = await client.request('runs.get', { run }) as { run: { state: string; vars: Record<string, string> } };
      return r.run.state === 'succeeded' ? r.run : undefined;
    });
    assert.deepEqual(got.vars, { region: 'us', size: '3' });
    assert.equal((await client.request('runs.logs', { run, job: 'a' }) as { text: string }).text, 'us-3\n');
    await assert.rejects(async () => client.request('runs.start', { flow: 'v', vars: { regio: 'x' } }),
      (err: Error & { data?: { code?: string } }) => err.data?.code === 'ORDO_BAD_PARAM' && /no variable "regio" \(did you mean 'region'\?\)/.test(err.message));
  } finally {
    await t.close();
  }
});
