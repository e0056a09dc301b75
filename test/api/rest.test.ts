/**
 * The HTTP surface beside JSON-RPC: REST routes on the same handlers, /openapi.json (a valid OpenAPI 3.1
 * document, checked against the official schema), /metrics, /healthz and /readyz.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { METHOD_NAMES } from '../../src/api/contract/index.js';
import { rpcClient, startTestServer, waitFor, type TestServer } from './support.js';

describe('REST, OpenAPI, metrics and probes', () => {
  let t: TestServer;
  const get = (path: string, token?: string) => fetch(`${t.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const post = (path: string, body: unknown, token?: string) => fetch(`${t.url}${path}`, {
    method: 'POST', body: body === undefined ? undefined : JSON.stringify(body),
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });

  before(async () => {
    t = await startTestServer();
  });
  after(async () => t.close());

  test('start a run, follow it and read it over REST', async () => {
    const started = await post('/api/flows/params/runs', { params: { n: '42' }, priority: 3 }, t.tokens.operator);
    assert.equal(started.status, 200);
    const { run } = await started.json() as { run: number };
    const doc = await waitFor('the run to end', async () => {
      const body = await (await get(`/api/runs/${run}`, t.tokens.user)).json() as { run: { state: string; params: unknown; priority: number }; tasks: Array<{ attemptsList: unknown[] }> };
      return body.run.state === 'succeeded' ? body : undefined;
    });
    assert.deepEqual(doc.run.params, { n: 42 });
    assert.equal(doc.run.priority, 3);
    assert.equal(doc.tasks[0]!.attemptsList.length, 1);
    const logs = await (await get(`/api/runs/${run}/jobs/echo/logs`, t.tokens.user)).json() as { text: string; attempt: number };
    assert.deepEqual([logs.text, logs.attempt], ['n=42\n', 1]);
    const list = await (await get('/api/runs?flow=params&state=succeeded&limit=5', t.tokens.user)).json() as Array<{ id: number }>;
    assert.ok(list.some((r) => r.id === run));
    const events = await (await get(`/api/runs/${run}/events?after=0`, t.tokens.user)).json() as Array<{ kind: string }>;
    assert.equal(events[0]!.kind, 'run_created');
    assert.equal(events.at(-1)!.kind, 'run_succeeded');
    const why = await (await get(`/api/runs/${run}/jobs/echo/why`, t.tokens.user)).json() as { text: string };
    assert.match(why.text, /the run has ended/);
    const graph = await (await get('/api/flows/quick/graph', t.tokens.user)).json() as { edges: unknown[] };
    assert.deepEqual(graph.edges, [{ from: 'a', to: 'b', states: ['succeeded'], any: false }]);
  });

  test('REST errors: the code, its HTTP status and JSON-RPC code', async () => {
    const missing = await get('/api/runs/987654', t.tokens.user);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: { code: 'ORDO_NOT_FOUND', message: 'run 987654 does not exist', rpcCode: 1004 } });
    const bad = await get('/api/runs/abc', t.tokens.user);
    assert.equal(bad.status, 400);
    assert.equal((await bad.json() as { error: { code: string } }).error.code, 'ORDO_INVALID_PARAMS');
    assert.equal((await get('/api/runs?colour=red', t.tokens.user)).status, 400);
    assert.equal((await get('/api/runs')).status, 401);
    assert.equal((await post('/api/flows/quick/runs', {}, t.tokens.user)).status, 403);
    const broken = await fetch(`${t.url}/api/flows/quick/runs`, {
      method: 'POST', body: '{"params": ', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.operator}` },
    });
    assert.equal(broken.status, 400);
    assert.equal((await broken.json() as { error: { code: string } }).error.code, 'ORDO_PARSE_ERROR');
    const gate = await post('/api/gates/eod/open', { reason: 'rest test' }, t.tokens.operator);
    assert.deepEqual(await gate.json(), { name: 'eod', closed: false });
    const empty = await fetch(`${t.url}/api/gates/eod/close`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.operator}` } });
    assert.deepEqual(await empty.json(), { name: 'eod', closed: true });
  });

  test('/openapi.json is a valid OpenAPI 3.1 document covering every REST route and every method', async () => {
    const res = await get('/openapi.json');
    assert.equal(res.status, 200);
    const doc = await res.json() as { openapi: string; paths: Record<string, Record<string, { operationId?: string }>> };
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
    assert.equal(doc.openapi, '3.1.0');
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    assert.ok(operations.includes('runs.start') && operations.includes('runs.why') && operations.includes('jsonrpc'));
    const rpcBody = JSON.stringify(doc.paths['/rpc']);
    for (const name of METHOD_NAMES) assert.ok(rpcBody.includes(`"const":"${name}"`), `${name} in the /rpc request schema`);
  });

  test('/metrics: tasks by state, queue depth, slots, dispatch latency, API calls', async () => {
    const client = rpcClient(t.url, t.tokens.operator);
    const { run } = await client.request('runs.start', { flow: 'gated' }) as { run: number };
    const waiting = await waitFor('a ready task held at the gate', async () => {
      const text = await (await get('/metrics', t.tokens.user)).text();
      return /^ordo_queue_depth 1$/m.test(text) ? text : undefined;
    });
    assert.match(waiting, /^ordo_tasks\{state="ready"\} 1$/m);
    assert.match(waiting, /^ordo_runs\{state="running"\} 1$/m);
    assert.match(waiting, /^ordo_slots_max 4$/m);
    assert.match(waiting, /^ordo_dispatch_latency_seconds_bucket\{le="0\.005"\} \d+$/m);
    assert.match(waiting, /^ordo_api_calls_total\{method="runs\.start",outcome="ok"\} \d+$/m);
    assert.match(waiting, /^ordo_process_cpu_seconds_total /m);
    await client.request('gates.open', { name: 'eod' });
    await waitFor('the run to end', async () => ((await client.request('runs.get', { run }) as { run: { state: string } }).run.state === 'succeeded' ? true : undefined));
    await client.request('gates.close', { name: 'eod' });
    const done = await (await get('/metrics', t.tokens.user)).text();
    assert.match(done, /^ordo_queue_depth 0$/m);
    const count = Number(/^ordo_dispatch_latency_seconds_count (\d+)$/m.exec(done)?.[1]);
    assert.ok(count >= 2, `dispatches observed: ${count}`);
  });

  test('/, /health, /healthz and /readyz need no token', async () => {
    for (const path of ['/health', '/healthz']) {
      const health = await get(path);
      assert.deepEqual([health.status, await health.text()], [200, 'ok\n'], path);
    }
    const index = await get('/');
    assert.equal(index.status, 200);
    const body = await index.json() as { name: string; endpoints: Record<string, string> };
    assert.equal(body.name, 'ordo');
    assert.deepEqual(Object.keys(body.endpoints), ['POST /rpc', 'GET /ws', '/api/...', 'GET /openapi.json', 'GET /health', 'GET /readyz', 'GET /metrics']);
    const ready = await get('/readyz');
    assert.deepEqual([ready.status, await ready.text()], [200, 'ready\n']);
  });
});
