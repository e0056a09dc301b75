/**
 * What a person sees of a running `ordo server`: readable log lines (`--log-format pretty`, the default on a
 * terminal) or JSON lines (the default elsewhere), and an API that answers `/` with an index of its entry
 * points and `/health` like `/healthz`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeResult, lines, sandbox, waitFor, type Sandbox } from './support/cli.js';

const FLOW = { 'ordo.yaml': '', 'f.yaml': 'flow: f\njobs:\n  a: { kind: noop }\n' };

/** Starts the server, waits for its "started" entry, hands it to `fn`, stops it. */
async function withServer(box: Sandbox, extra: string[], fn: (stderr: () => string, started: string) => Promise<void>): Promise<void> {
  const server = box.start(['server', '--listen', '127.0.0.1:0', ...extra], { timeoutMs: 120_000 });
  try {
    const started = await waitFor('the server to start', async () => lines(server.stderr()).find((l) => l.includes('ordo server: started')),
      { seen: () => server.stderr() });
    await fn(() => server.stderr(), started);
  } finally {
    const r = await server.stop(10_000);
    assert.equal(r.code, 0, describeResult(['server'], r));
  }
}

describe('ordo server logs and entry points', () => {
  test('--log-format pretty: time, level, message, key=value; / and /health answer', async () => {
    const box = sandbox(FLOW);
    try {
      await withServer(box, ['--log-format', 'pretty'], async (stderr, started) => {
        assert.match(started, /^\d\d:\d\d:\d\d\.\d{3} INFO  ordo server: started store=\S+ owner=\S+ maxParallel=\d+ api=http:\/\/127\.0\.0\.1:\d+ jcapi=null$/);
        assert.ok(lines(stderr()).every((l) => /^\d\d:\d\d:\d\d\.\d{3} [A-Z]{4,5} /.test(l)), stderr());
        const api = /api=(\S+)/.exec(started)![1]!;
        const health = await fetch(`${api}/health`);
        assert.deepEqual([health.status, await health.text()], [200, 'ok\n']);
        const index = await fetch(`${api}/`);
        assert.equal(index.status, 200);
        const body = await index.json() as { name: string; endpoints: Record<string, string> };
        assert.equal(body.name, 'ordo');
        assert.ok('POST /rpc' in body.endpoints && 'GET /health' in body.endpoints, JSON.stringify(body));
      });
    } finally {
      box.cleanup();
    }
  });

  test('not on a terminal the default is JSON lines; a bad --log-format is refused', async () => {
    const box = sandbox(FLOW);
    try {
      await withServer(box, [], async (stderr, started) => {
        const entry = JSON.parse(started) as { level: number; msg: string; api: string };
        assert.equal(entry.level, 30);
        assert.match(entry.api, /^http:\/\/127\.0\.0\.1:\d+$/);
        for (const l of lines(stderr())) JSON.parse(l);
      });
      const bad = await box.ordo(['server', '--listen', '127.0.0.1:0', '--log-format', 'xml']);
      assert.equal(bad.code, 2, describeResult(['server'], bad));
      assert.match(bad.stderr, /^ordo: ORDO_BAD_ARGUMENT --log-format must be one of json, pretty, got "xml"\n$/);
    } finally {
      box.cleanup();
    }
  });
});
