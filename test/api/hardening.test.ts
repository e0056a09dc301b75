/**
 * Bad input to the API gets the documented error shape with a plain message: a NUL byte in a parameter,
 * params nested thousands deep, unknown REST paths and wrong HTTP methods.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './support.js';

interface ErrorBody { error: { code: string; message: string; rpcCode: number; details?: Record<string, unknown> } }

describe('API hardening', () => {
  let t: TestServer;
  const rpc = async (method: string, paramsJson: string) => {
    const res = await fetch(`${t.url}/rpc`, {
      method: 'POST', body: `{"jsonrpc": "2.0", "id": 1, "method": "${method}", "params": ${paramsJson}}`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.superuser}` },
    });
    return await res.json() as { error?: { code: number; message: string; data: { code: string } } };
  };

  before(async () => {
    t = await startTestServer({ files: { 'flows/text.yaml': 'flow: text\nparams:\n  label: { type: string }\njobs:\n  a: { command: [echo, "${{ params.label }}"] }\n' } });
  });
  after(async () => t.close());

  test('runs.start refuses a parameter holding a NUL byte with ORDO_BAD_PARAM naming the parameter; nothing is stored', async () => {
    const before = (await rpc('runs.list', '{}')) as unknown as { result: unknown[] };
    const res = await rpc('runs.start', `{"flow": "text", "params": {"label": "a\\u0000b"}}`);
    assert.equal(res.error?.data.code, 'ORDO_BAD_PARAM');
    assert.match(res.error!.message, /parameter "label" holds a NUL byte/);
    const later = (await rpc('runs.list', '{}')) as unknown as { result: unknown[] };
    assert.equal(later.result.length, before.result.length);
  });

  test('params nested thousands deep are refused as invalid params, with the place, never a JavaScript error', async () => {
    const deep = '{"a": '.repeat(50_000) + '1' + '}'.repeat(50_000);
    for (const [method, params] of [['create_job', `{"wfname": "x", "inargs": ${deep}}`], ['runs.start', `{"flow": "text", "params": ${deep}}`]] as const) {
      const res = await rpc(method, params);
      assert.equal(res.error?.data.code, 'ORDO_INVALID_PARAMS', JSON.stringify(res).slice(0, 300));
      assert.match(res.error!.message, /nest more than 100 levels deep at \/(inargs|params)\/a\/a\/a\/…\(\d+ more levels\)…\/a\/a$/);
      assert.doesNotMatch(res.error!.message, /call stack/i);
    }
  });

  test('an unknown REST path is 404 and a wrong HTTP method 405 (with Allow), in the documented error shape', async () => {
    const missing = await fetch(`${t.url}/api/nothing/here?x=1`, { headers: { authorization: `Bearer ${t.tokens.user}` } });
    assert.equal(missing.status, 404);
    const body = await missing.json() as ErrorBody;
    assert.equal(body.error.code, 'ORDO_METHOD_NOT_FOUND');
    assert.equal(body.error.rpcCode, -32601);
    assert.match(body.error.message, /no route GET "\/api\/nothing\/here"/);
    const wrong = await fetch(`${t.url}/api/runs/1`, { method: 'DELETE', headers: { authorization: `Bearer ${t.tokens.user}` } });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, HEAD');
    assert.deepEqual(await wrong.json(), {
      error: { code: 'ORDO_METHOD_NOT_ALLOWED', message: 'DELETE is not allowed on "/api/runs/1" (allowed: GET, HEAD)', rpcCode: -32005, details: { allowed: ['GET', 'HEAD'] } },
    });
    const rpcGet = await fetch(`${t.url}/rpc`);
    assert.equal(rpcGet.status, 405);
    assert.equal((await rpcGet.json() as ErrorBody).error.code, 'ORDO_METHOD_NOT_ALLOWED');
  });
});
