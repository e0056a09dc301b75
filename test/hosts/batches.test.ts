/**
 * Network-wide batches (docs/batches.md) with real processes on loopback: a real `ordo server` and 20 real
 * `ordo agent` processes, each host's jobs running in a directory named after it. A rollout of 4 serial
 * groups with a command map stops at the threshold; a rerun covers the failed and not-run hosts; a server
 * restart in the middle of a batch neither loses nor repeats it. Bad batch files: file:line:col.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, waitFor, type CliProcess, type Sandbox } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import type { BatchRecord } from '../../src/batch/record.js';

const HOSTS = Array.from({ length: 20 }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
const BSD = new Set(['h04', 'h13']);

const log = (what: string) => `echo "$(basename "$PWD") $ORDO_BATCH_GROUP ${what}" >> ../ledger`;

const PROJECT = {
  'ordo.yaml': `maxParallel: 32\nhosts:\n${HOSTS.map((h) => `  ${h}: { labels: { role: ${h <= 'h10' ? 'web' : 'app'}, os: ${BSD.has(h) ? 'freebsd' : 'linux'} }, slots: 2 }`).join('\n')}\n`,
  // 4 serial groups of 5; two hosts of group 2 fail until ../fixed exists; the threshold allows one failure.
  'batches/rollout.yaml': `batch: rollout
rollout:
  groups:
${[0, 1, 2, 3].map((g) => `    - [${HOSTS.slice(g * 5, g * 5 + 5).join(', ')}]`).join('\n')}
maxFailures: 1
commands:
  default: { shell: '${log('default')}; echo "deployed on $(basename "$PWD")"' }
  os:
    freebsd: { shell: '${log('freebsd')}; echo "deployed the BSD way"' }
  hosts:
    h07: { shell: '${log('flaky')}; test -f ../fixed || { echo "h07 is broken" >&2; exit 3; }' }
    h08: { shell: '${log('flaky')}; test -f ../fixed || { echo "h08 is broken" >&2; exit 4; }' }
`,
  'batches/slow.yaml': `batch: slow
hosts: { labels: { role: app } }
rollout: { parallel: 5 }
maxFailures: 10%
commands:
  default: { shell: '${log('slow')}; sleep 2' }
`,
};

function ledger(b: Sandbox): string[] {
  return readFileSync(join(b.root.path, 'ledger'), 'utf8').split('\n').filter((l) => l !== '');
}

describe('network-wide batches over 20 agents', { timeout: 300_000 }, () => {
  let box: Sandbox;
  let server: CliProcess;
  let agents: CliProcess[] = [];
  let token = '';
  let port = 0;
  const remote = () => ['--server', `http://127.0.0.1:${port}`, '--token', token];
  const startServer = () => box.start(['server', '--listen', `127.0.0.1:${port}`, '--poll', '100'], { timeoutMs: 280_000 });
  const seen = () => `--- server\n${server.stderr()}\n--- ledger\n${ledger(box).join('\n')}`;
  const listening = (p: CliProcess) => waitFor('the server to listen', async () => (p.stderr().includes('API listening') ? true : undefined), { seen: () => p.stderr() });

  before(async () => {
    box = sandbox(PROJECT, { ORDO_LEASE_MS: '20000' });
    writeFileSync(join(box.root.path, 'ledger'), '');
    const created = await box.ordo(['token', 'create', '--name', 'ops', '--role', 'operator']);
    assert.equal(created.code, 0, created.stderr);
    token = created.stdout.trim().split('\n').at(-1)!;
    port = await freePort();
    server = startServer();
    await listening(server);
    agents = HOSTS.map((name) => {
      mkdirSync(join(box.root.path, name), { recursive: true });
      return box.start(['agent', '--server', `http://127.0.0.1:${port}`, '--token', token, '--name', name,
        '--state', join(box.root.path, `agent-state-${name}`), '--dir', join(box.root.path, name)], { timeoutMs: 280_000 });
    });
    await waitFor('20 agents to connect', async () => {
      const r = await box.ordo(['hosts', ...remote(), '--json']);
      const up = r.code === 0 ? (JSON.parse(r.stdout) as Array<{ state: string }>).filter((h) => h.state === 'up').length : 0;
      return up === HOSTS.length ? true : undefined;
    }, { timeoutMs: 120_000, seen });
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.stop();
    box?.cleanup();
  });

  it('4 serial groups with a command map: two failures in group 2 pass the threshold and stop groups 3 and 4; the rerun covers the rest', async () => {
    const r = await box.ordo(['batch', 'run', 'rollout', '--json'], { timeoutMs: 120_000 });
    assert.equal(r.code, 1, `${r.stderr}\n${seen()}`);
    const rec = JSON.parse(r.stdout) as BatchRecord;
    assert.equal(rec.state, 'stopped');
    assert.equal(rec.stoppedAfter, 2);
    assert.deepEqual([rec.totals.hosts, rec.totals.ok, rec.totals.failed, rec.totals.notRun], [20, 8, 2, 10]);
    const byHost = new Map(rec.hosts.map((h) => [h.host, h]));
    assert.deepEqual([byHost.get('h07')!.exitCode, byHost.get('h08')!.exitCode], [3, 4]);
    assert.match(byHost.get('h07')!.output, /h07 is broken/);
    assert.deepEqual([byHost.get('h01')!.rule, byHost.get('h04')!.rule, byHost.get('h07')!.rule], ['default', 'os freebsd', 'host']);
    assert.equal(byHost.get('h01')!.output, 'deployed on h01');
    assert.equal(byHost.get('h04')!.output, 'deployed the BSD way');
    assert.equal(byHost.get('h15')!.outcome, 'not run');

    // Each host of groups 1 and 2 ran once, on itself; every line of group 1 comes before any of group 2.
    const lines = ledger(box);
    assert.deepEqual(lines.map((l) => l.split(' ')[0]).sort(), HOSTS.slice(0, 10));
    for (const l of lines) assert.equal(l.split(' ')[1], HOSTS.indexOf(l.split(' ')[0]!) < 5 ? '1' : '2', l);
    assert.ok(lines.findIndex((l) => l.split(' ')[1] === '2') >= 5, lines.join(' | '));
    assert.match(lines.find((l) => l.startsWith('h04'))!, /freebsd$/);

    const show = await box.ordo(['batch', 'show', String(rec.id), ...remote()]);
    assert.equal(show.code, 1, show.stderr);
    assert.match(show.stdout, /stopped after group 2 of 4: more than 1 host failed \(maxFailures 1\)/);
    assert.match(show.stdout, /^2 +h07 +failed +3 /m);
    assert.match(show.stdout, /20 hosts: 8 ok, 2 failed, 10 not run/);

    writeFileSync(join(box.root.path, 'fixed'), '');
    const again = await box.ordo(['batch', 'rerun', String(rec.id), '--failed', '--json', ...remote()], { timeoutMs: 120_000 });
    assert.equal(again.code, 0, `${again.stderr}\n${seen()}`);
    const rerun = JSON.parse(again.stdout) as BatchRecord;
    assert.equal(rerun.parent, rec.id);
    assert.equal(rerun.state, 'succeeded');
    assert.equal(rerun.groups, 3);
    assert.deepEqual(rerun.hosts.map((h) => h.host), ['h07', 'h08', ...HOSTS.slice(10)]);
    const all = ledger(box).map((l) => l.split(' ')[0]!);
    for (const h of HOSTS) assert.equal(all.filter((x) => x === h).length, h === 'h07' || h === 'h08' ? 2 : 1, h);
  });

  it('a server restart in the middle of a batch neither loses nor repeats it', async () => {
    const before = ledger(box).length;
    const waiting = box.start(['batch', 'run', 'slow', '--json', ...remote()], { timeoutMs: 180_000 });
    await waitFor('group 1 of the slow batch to start', async () => (ledger(box).some((l) => l.endsWith('slow')) ? true : undefined), { seen });
    assert.equal((await server.stop()).code, 0);
    server = startServer();
    await listening(server);
    const end = await waiting.exited;
    assert.equal(end.code, 0, `${end.stderr}\n${seen()}`);
    const rec = JSON.parse(end.stdout) as BatchRecord;
    assert.equal(rec.state, 'succeeded');
    assert.equal(rec.groups, 2);
    const slow = ledger(box).slice(before).filter((l) => l.endsWith('slow')).map((l) => l.split(' ')[0]!);
    assert.deepEqual(slow.sort(), HOSTS.slice(10), 'each app host ran once');
    const list = await box.ordo(['batch', 'list', '--json']);
    const batches = JSON.parse(list.stdout) as Array<{ id: number; name: string; state: string }>;
    assert.deepEqual(batches.map((b) => `${b.id} ${b.name} ${b.state}`), ['3 slow succeeded', '2 rollout succeeded', '1 rollout stopped']);
  });
});

describe('bad batch files', () => {
  it('are refused with every problem at file:line:column, by ordo batch run and by ordo validate', async () => {
    const b = sandbox({
      'ordo.yaml': 'hosts:\n  web1: { labels: { role: web } }\n  web2: { labels: { role: web } }\n',
      'batches/bad.yaml': 'batch: bad\nrollout: { groups: [[web1, nope], [], [web1]] }\nmaxFailures: -1\ncommands: { default: { shell: "true" } }\n',
      'elsewhere.yml': 'batch: other\nhosts: { labels: { role: db } }\ncommands: { default: { shell: "true" } }\n',
    });
    try {
      const v = await b.ordo(['validate']);
      assert.equal(v.code, 2);
      assert.match(v.stdout + v.stderr, /batches\/bad\.yaml:2:28: ORDO_UNKNOWN_HOST host "nope"/);
      assert.match(v.stdout + v.stderr, /batches\/bad\.yaml:2:35: ORDO_BAD_VALUE group 2 of "rollout.groups" is empty/);
      assert.match(v.stdout + v.stderr, /batches\/bad\.yaml:2:40: ORDO_BAD_VALUE host "web1" is in group 1 and group 3/);
      assert.match(v.stdout + v.stderr, /batches\/bad\.yaml:3:14: ORDO_BAD_VALUE "maxFailures" must be a count/);
      assert.match(v.stdout + v.stderr, /elsewhere\.yml:2:18: ORDO_NO_HOST_MATCH/);
      // A file outside the project: read against the project's hosts.
      writeFileSync(join(b.root.path, 'adhoc.yaml'), 'batch: adhoc\nhosts: [web3]\ncommands: { default: { shell: "true" } }\n');
      writeFileSync(join(b.project, 'batches/bad.yaml'), 'batch: bad\nhosts: [web1]\ncommands: { default: { shell: "true" } }\n');
      writeFileSync(join(b.project, 'elsewhere.yml'), 'batch: other\nhosts: [web2]\ncommands: { default: { shell: "true" } }\n');
      const r = await b.ordo(['batch', 'run', '../adhoc.yaml']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /\.\.\/adhoc\.yaml:2:9: ORDO_UNKNOWN_HOST host "web3" in "hosts" is not declared in ordo\.yaml/);
    } finally {
      b.cleanup();
    }
  });
});
