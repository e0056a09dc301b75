/**
 * The http, sql and copy job kinds as a user meets them (docs/job-kinds.md), through the real CLI: a real
 * HTTP server on loopback, a real SQLite file and a real PostgreSQL database, files copied on this machine
 * and to and from a real sshd. Results reach downstream jobs; failures say why; secrets stay masked; bad
 * blocks are diagnostics at file:line:column.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import Database from 'better-sqlite3';
import { usePostgres } from './support/postgres.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { describeResult, lines, sandbox, type Sandbox } from './support/cli.js';

interface Attempt { state: string; error: string | null }
interface Task { job: string; state: string; result: Record<string, unknown> | null; attemptsList: Attempt[] }

async function runFlow(box: Sandbox, flow: string, expectCode: number): Promise<{ run: number; tasks: Map<string, Task> }> {
  const r = await box.ordo(['run', flow, '--json']);
  assert.equal(r.code, expectCode, describeResult(['run', flow], r));
  const run = (JSON.parse(lines(r.stdout)[0]!) as { run: number }).run;
  const shown = await box.ordo(['show', String(run), '--json']);
  assert.equal(shown.code, 0, describeResult(['show'], shown));
  const tasks = (JSON.parse(shown.stdout) as { tasks: Task[] }).tasks;
  return { run, tasks: new Map(tasks.map((t) => [t.job, t])) };
}

const lastError = (t: Task | undefined) => t?.attemptsList.at(-1)?.error ?? '';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
}

describe('http jobs against a real HTTP server', () => {
  let server: Server;
  let port = 0;
  const TOKEN = `tok-${randomBytes(8).toString('hex')}`;

  before(async () => {
    server = createServer((req, res) => {
      void body(req).then((text) => {
        if (req.url === '/orders' && req.method === 'POST') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ id: 42, received: JSON.parse(text) as unknown, type: req.headers['content-type'], token: req.headers['x-token'] }));
        } else if (req.url === '/text') res.end('plain text');
        else if (req.url === '/fail') {
          res.statusCode = 500;
          res.end('{"error": "boom"}');
        } else if (req.url === '/slow') {
          // Never answers: the job's timeout ends it.
        } else {
          res.statusCode = 404;
          res.end('not here');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('posts JSON with a secret header, hands the answer on, and says why a request failed', { timeout: 120_000 }, async () => {
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;
    const files = {
      'ordo.yaml': '',
      'flows/api.yaml': `flow: api
params:
  item: { default: widget }
jobs:
  create:
    http:
      method: post
      url: '${url('/orders')}'
      headers: { x-token: '\${{ secrets.api_token }}' }
      json: { item: '\${{ params.item }}', count: 3, tags: [a, '\${{ params.item }}'] }
  check:
    after: [create]
    shell: 'echo "order \${{ jobs.create.result.id }}"'
  gone:
    http: { url: '${url('/missing')}', expect: 404 }
  text:
    http: { url: '${url('/text')}' }
  broken:
    http: { url: '${url('/fail')}' }
  slow:
    timeout: 1s
    http: { url: '${url('/slow')}' }
`,
    };
    const keyBox = sandbox({});
    const keyFile = join(keyBox.root.path, 'master.key');
    const box = sandbox(files, { ORDO_MASTER_KEY_FILE: keyFile });
    try {
      assert.equal((await box.ordo(['secret', 'keygen', keyFile])).code, 0);
      writeFileSync(join(box.root.path, 'token.txt'), TOKEN);
      const set = await box.ordo(['secret', 'set', 'api_token', '--file', join(box.root.path, 'token.txt')]);
      assert.equal(set.code, 0, describeResult(['secret', 'set'], set));

      const { run, tasks } = await runFlow(box, 'api', 1);
      const create = tasks.get('create')!;
      assert.equal(create.state, 'succeeded');
      // The answer is the result; the token the server echoed back is masked in it.
      assert.deepEqual(create.result, { id: 42, received: { item: 'widget', count: 3, tags: ['a', 'widget'] }, type: 'application/json', token: '***' });
      assert.equal(tasks.get('check')!.state, 'succeeded');
      assert.equal((await box.ordo(['logs', String(run), 'check'])).stdout.trim(), 'order 42');
      const log = (await box.ordo(['logs', String(run), 'create'])).stdout;
      assert.match(log, /^POST http:\/\/127\.0\.0\.1:\d+\/orders\n200 OK/);
      assert.ok(!log.includes(TOKEN), 'the token is masked in the log');

      assert.equal(tasks.get('gone')!.state, 'succeeded', 'an expected 404 is a success');
      assert.deepEqual(tasks.get('text')!.result, { status: 200, body: 'plain text' });
      assert.equal(tasks.get('broken')!.state, 'failed');
      assert.equal(lastError(tasks.get('broken')), 'HTTP 500 Internal Server Error: expected a 2xx status');
      assert.notEqual(tasks.get('slow')!.state, 'succeeded');
      assert.match(lastError(tasks.get('slow')), /timed out after 1000 ms/);
    } finally {
      box.cleanup();
      keyBox.cleanup();
    }
  });
});

test('sql jobs on a SQLite file: a script, bound parameters, rows as the result', { timeout: 120_000 }, async () => {
  const evil = "Robert'); DROP TABLE people;--";
  const box = sandbox({
    'ordo.yaml': 'connectors:\n  local:\n    maxParallel: 1\n    environments:\n      default: { sqlite: data/app.db }\n',
    'flows/db.yaml': `flow: db
params:
  who: { default: "${evil}" }
jobs:
  schema:
    sql:
      connector: local
      statement: |
        CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        INSERT INTO people (name) VALUES ('ada'), ('grace');
  add:
    after: [schema]
    sql: { connector: local, statement: 'INSERT INTO people (name) VALUES (?)', params: ['\${{ params.who }}'] }
  list:
    after: [add]
    sql: { connector: local, statement: 'SELECT id, name FROM people ORDER BY id', maxRows: 2 }
  bad:
    after: [list]
    sql: { connector: local, statement: 'SELECT nope FROM people' }
`,
  });
  try {
    mkdirSync(join(box.project, 'data'));
    writeFileSync(join(box.project, 'data/app.db'), '');
    const { tasks } = await runFlow(box, 'db', 1);
    assert.equal(tasks.get('schema')!.state, 'succeeded');
    assert.deepEqual(tasks.get('add')!.result, { rowCount: 1, rows: [] });
    assert.deepEqual(tasks.get('list')!.result, { rowCount: 3, rows: [{ id: 1, name: 'ada' }, { id: 2, name: 'grace' }] });
    assert.equal(tasks.get('bad')!.state, 'failed');
    assert.match(lastError(tasks.get('bad')), /no such column: nope/);
    // The parameter was bound, not pasted: the table is there, with the text as a name.
    const db = new Database(join(box.project, 'data/app.db'), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT name FROM people ORDER BY id').pluck().all(), ['ada', 'grace', evil]);
    } finally {
      db.close();
    }
  } finally {
    box.cleanup();
  }
});

test('sql jobs on a real PostgreSQL: a script, $1 parameters, rows and errors', { timeout: 120_000 }, async () => {
  const pg = await usePostgres();
  const box = sandbox({
    'ordo.yaml': `connectors:\n  dwh:\n    environments:\n      default: { url: '${pg.url}' }\n`,
    'flows/pg.yaml': `flow: pg
jobs:
  load:
    sql:
      connector: dwh
      statement: 'CREATE TABLE t (n int); INSERT INTO t SELECT generate_series(1, 50)'
  count:
    after: [load]
    sql: { connector: dwh, statement: 'SELECT count(*)::int AS n, $1::text AS label FROM t WHERE n > $2', params: [big, 10] }
  report:
    after: [count]
    shell: 'echo "\${{ jobs.count.result.rows }}"'
  missing:
    after: [load]
    sql: { connector: dwh, statement: 'SELECT * FROM missing_table' }
`,
  });
  try {
    const { tasks } = await runFlow(box, 'pg', 1);
    assert.equal(tasks.get('load')!.state, 'succeeded');
    assert.deepEqual(tasks.get('count')!.result, { rowCount: 1, rows: [{ n: 40, label: 'big' }] });
    assert.equal(tasks.get('missing')!.state, 'failed');
    assert.match(lastError(tasks.get('missing')), /relation "missing_table" does not exist/);
  } finally {
    box.cleanup();
    await pg.release();
  }
});

describe('copy jobs on this machine and over SSH', () => {
  let sshd: Sshd;
  before(async () => {
    sshd = await startSshd();
  });
  after(async () => {
    await sshd.stop();
  });

  it('copies, verifies the SHA-256, leaves no temporary file, and fails on a missing source', { timeout: 120_000 }, async () => {
    const payload = randomBytes(300_000);
    const remoteDir = join(sshd.dir, 'remote');
    mkdirSync(remoteDir);
    const box = sandbox({
      'ordo.yaml': `hosts:\n  box: { transport: ssh, address: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, key: ${sshd.keyFile}, knownHosts: ${sshd.knownHostsFile} }\n`,
      'flows/files.yaml': `flow: files
jobs:
  local:
    copy: { from: data/in.bin, to: out/ }
  put:
    copy: { from: data/in.bin, to: 'box:${remoteDir}' }
  get:
    after: [put]
    copy: { from: 'box:${remoteDir}/in.bin', to: back/copy.bin }
  missing:
    copy: { from: data/nope.bin, to: out/ }
  unchecked:
    copy: { from: data/in.bin, to: out/plain.bin, checksum: false }
`,
    });
    try {
      mkdirSync(join(box.project, 'data'));
      mkdirSync(join(box.project, 'out'));
      writeFileSync(join(box.project, 'data/in.bin'), payload);
      const { tasks } = await runFlow(box, 'files', 1);
      const expected = { bytes: payload.length, sha256: sha256(payload) };
      for (const job of ['local', 'put', 'get', 'unchecked']) {
        assert.equal(tasks.get(job)!.state, 'succeeded', `${job}: ${lastError(tasks.get(job))}`);
        assert.deepEqual(tasks.get(job)!.result, expected, job);
      }
      assert.ok(readFileSync(join(box.project, 'out/in.bin')).equals(payload));
      assert.ok(readFileSync(join(remoteDir, 'in.bin')).equals(payload));
      assert.ok(readFileSync(join(box.project, 'back/copy.bin')).equals(payload));
      assert.deepEqual(readdirSync(remoteDir), ['in.bin'], 'no temporary file left on the host');
      assert.deepEqual(readdirSync(join(box.project, 'out')).sort(), ['in.bin', 'plain.bin']);
      assert.equal(tasks.get('missing')!.state, 'failed');
      assert.equal(lastError(tasks.get('missing')), 'cannot copy data/nope.bin: no such file');
    } finally {
      box.cleanup();
    }
  });
});

test('ordo validate: bad http, sql and copy blocks at file:line:column', { timeout: 60_000 }, async () => {
  const box = sandbox({
    'ordo.yaml': 'connectors:\n  dwh: {}\nhosts:\n  web1: { slots: 1 }\n',
    'flows/bad.yaml': `flow: bad
jobs:
  q:
    sql: { connector: nowhere, statement: 'SELECT \${{ params.x }}' }
  h:
    http: { url: 'ftp://x', method: FETCH }
  both:
    http: { url: 'http://x' }
    command: ['true']
  c:
    copy: { from: 'elsewhere:/etc/hosts', to: out/ }
  agent:
    copy: { from: 'web1:/etc/hosts', to: out/ }
  k:
    kind: http
  w:
    kind: noop
    copy: { from: a, to: b }
  two:
    connector: dwh
    sql: { connector: other, statement: 'SELECT 1' }
`,
  });
  try {
    const r = await box.ordo(['validate']);
    assert.equal(r.code, 2, describeResult(['validate'], r));
    const expected = [
      'bad.yaml:3:3: ORDO_UNKNOWN_CONNECTOR job "q" uses connector "nowhere", which ordo.yaml does not declare (connectors: dwh)',
      'bad.yaml:4:43: ORDO_BAD_EXPRESSION "sql.statement" of job "q" may not hold ${{ }}',
      'bad.yaml:6:18: ORDO_BAD_VALUE "http.url" of job "h" must be an http:// or https:// URL, got "ftp://x"',
      'bad.yaml:6:37: ORDO_BAD_VALUE "http.method" of job "h" must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "FETCH"',
      'bad.yaml:8:5: ORDO_BAD_VALUE "http" is only for jobs of kind http (job "both" is of kind command)',
      'bad.yaml:10:3: ORDO_UNKNOWN_HOST copy job "c": "elsewhere:/etc/hosts" names host "elsewhere", which ordo.yaml does not declare',
      'bad.yaml:12:3: ORDO_BAD_VALUE copy job "agent": "web1:/etc/hosts": host "web1" is reached by an agent',
      'bad.yaml:14:3: ORDO_MISSING_KEY job "k" is of kind http and needs "http"',
      'bad.yaml:18:5: ORDO_BAD_VALUE "copy" is only for jobs of kind copy (job "w" is of kind noop)',
      'bad.yaml:20:5: ORDO_BAD_VALUE job "two" queries connector "other" but names connector "dwh"',
    ];
    for (const e of expected) assert.ok(r.stdout.includes(e), `missing: ${e}\n--- got:\n${r.stdout}`);
    assert.equal(lines(r.stdout).length, expected.length, r.stdout);
  } finally {
    box.cleanup();
  }
});
