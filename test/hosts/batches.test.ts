/**
 * Network-wide batches (docs/batches.md) with real processes on loopback: a real `ordo server`, 16 real
 * `ordo agent` processes (each host's jobs run in a directory named after it) and 4 SSH hosts against a real
 * OpenSSH server (test/support/sshd.ts). A rollout of 4 serial groups with a command map stops at the
 * threshold (one of the failing hosts is reached over SSH); a rerun covers the failed and not-run hosts; a
 * server restart in the middle of a batch over agents neither loses nor repeats it. Bad batch files:
 * file:line:col.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, waitFor, writeFiles, type CliProcess, type Sandbox } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import type { BatchRecord } from '../../src/batch/record.js';

const HOSTS = Array.from({ length: 20 }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
const BSD = new Set(['h04', 'h13']);
/** Reached over SSH (the test sshd on loopback); the others run `ordo agent`. h08 fails in group 2, h13 is BSD. */
const SSH = new Set(['h03', 'h08', 'h13', 'h18']);
const AGENTS = HOSTS.filter((h) => !SSH.has(h));

/**
 * Each command appends "HOST GROUP WHAT WHERE SSHPORT" to the ledger: WHERE is the directory it ran in (an
 * agent's --dir is named after its host), SSHPORT the port of the sshd it came through (none on an agent).
 */
const log = (what: string) => `echo "$ORDO_JOB $ORDO_BATCH_GROUP ${what} $(basename "$PWD") \${SSH_CONNECTION##* }" >> "$LEDGER"`;
const on = 'on $ORDO_JOB${SSH_CONNECTION:+ over ssh}';

function project(sshd: Sshd, root: string): Record<string, string> {
  const host = (h: string) => {
    const labels = `labels: { role: ${h <= 'h10' ? 'web' : 'app'}, os: ${BSD.has(h) ? 'freebsd' : 'linux'}, via: ${SSH.has(h) ? 'ssh' : 'agent'} }`;
    return SSH.has(h)
      ? `  ${h}: { transport: ssh, address: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, key: ${sshd.keyFile}, knownHosts: ${sshd.knownHostsFile}, ${labels}, slots: 2 }`
      : `  ${h}: { ${labels}, slots: 2 }`;
  };
  const env = `env: { LEDGER: ${join(root, 'ledger')}, FIXED: ${join(root, 'fixed')} }`;
  return {
    'ordo.yaml': `maxParallel: 32\nhosts:\n${HOSTS.map(host).join('\n')}\n`,
    // 4 serial groups of 5; two hosts of group 2 fail until $FIXED exists (h08 over SSH); one failure is allowed.
    'batches/rollout.yaml': `batch: rollout
rollout:
  groups:
${[0, 1, 2, 3].map((g) => `    - [${HOSTS.slice(g * 5, g * 5 + 5).join(', ')}]`).join('\n')}
maxFailures: 1
${env}
commands:
  default: { shell: '${log('default')}; echo "deployed ${on}"' }
  os:
    freebsd: { shell: '${log('freebsd')}; echo "deployed the BSD way ${on}"' }
  hosts:
    h07: { shell: '${log('flaky')}; test -f "$FIXED" || { echo "h07 is broken" >&2; exit 3; }' }
    h08: { shell: '${log('flaky')}; test -f "$FIXED" || { echo "h08 is broken" >&2; exit 4; }' }
`,
    // Agents only: an SSH attempt does not survive a server restart (it ends lost, docs/hosts.md).
    'batches/slow.yaml': `batch: slow
hosts: { labels: { role: app, via: agent } }
rollout: { parallel: 4 }
maxFailures: 10%
${env}
commands:
  default: { shell: '${log('slow')}; sleep 2' }
`,
  };
}

interface Line { host: string; group: string; what: string; where: string; sshPort: string }

function ledger(b: Sandbox): Line[] {
  return readFileSync(join(b.root.path, 'ledger'), 'utf8').split('\n').filter((l) => l !== '').map((l) => {
    const [host = '', group = '', what = '', where = '', sshPort = ''] = l.split(' ');
    return { host, group, what, where, sshPort };
  });
}

describe('network-wide batches over 20 hosts: 16 agents and 4 SSH hosts', { timeout: 300_000 }, () => {
  let sshd: Sshd;
  let box: Sandbox;
  let server: CliProcess;
  let agents: CliProcess[] = [];
  let token = '';
  let port = 0;
  const remote = () => ['--server', `http://127.0.0.1:${port}`, '--token', token];
  const startServer = () => box.start(['server', '--listen', `127.0.0.1:${port}`, '--poll', '100'], { timeoutMs: 280_000 });
  const seen = () => `--- server\n${server.stderr()}\n--- ledger\n${readFileSync(join(box.root.path, 'ledger'), 'utf8')}`;
  const listening = (p: CliProcess) => waitFor('the server to listen', async () => (p.stderr().includes('API listening') ? true : undefined), { seen: () => p.stderr() });
  /** Ran on itself: an agent's job in the agent's directory and not through sshd, an SSH host's through the test sshd. */
  const onItself = (l: Line) => (SSH.has(l.host) ? l.sshPort === String(sshd.port) : l.where === l.host && l.sshPort !== String(sshd.port));

  before(async () => {
    sshd = await startSshd();
    box = sandbox({}, { ORDO_LEASE_MS: '20000' });
    writeFiles(box.project, project(sshd, box.root.path));
    writeFileSync(join(box.root.path, 'ledger'), '');
    const created = await box.ordo(['token', 'create', '--name', 'ops', '--role', 'operator']);
    assert.equal(created.code, 0, created.stderr);
    token = created.stdout.trim().split('\n').at(-1)!;
    port = await freePort();
    server = startServer();
    await listening(server);
    agents = AGENTS.map((name) => {
      mkdirSync(join(box.root.path, name), { recursive: true });
      return box.start(['agent', '--server', `http://127.0.0.1:${port}`, '--token', token, '--name', name,
        '--state', join(box.root.path, `agent-state-${name}`), '--dir', join(box.root.path, name)], { timeoutMs: 280_000 });
    });
    await waitFor('16 agents to connect and 4 SSH hosts to answer their probe', async () => {
      const r = await box.ordo(['hosts', ...remote(), '--json']);
      const up = r.code === 0 ? (JSON.parse(r.stdout) as Array<{ state: string }>).filter((h) => h.state === 'up').length : 0;
      return up === HOSTS.length ? true : undefined;
    }, { timeoutMs: 120_000, seen });
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.stop();
    await sshd?.stop();
    box?.cleanup();
  });

  it('4 serial groups with a command map: two failures in group 2 (one over SSH) pass the threshold and stop groups 3 and 4; the rerun covers the rest', async () => {
    const r = await box.ordo(['batch', 'run', 'rollout', '--json'], { timeoutMs: 120_000 });
    assert.equal(r.code, 1, `${r.stderr}\n${seen()}`);
    const rec = JSON.parse(r.stdout) as BatchRecord;
    assert.equal(rec.state, 'stopped');
    assert.equal(rec.stoppedAfter, 2);
    assert.deepEqual([rec.totals.hosts, rec.totals.ok, rec.totals.failed, rec.totals.notRun], [20, 8, 2, 10]);
    const byHost = new Map(rec.hosts.map((h) => [h.host, h]));
    assert.deepEqual([byHost.get('h07')!.exitCode, byHost.get('h08')!.exitCode], [3, 4]);
    assert.match(byHost.get('h07')!.output, /h07 is broken/);
    assert.match(byHost.get('h08')!.output, /h08 is broken/);
    assert.deepEqual([byHost.get('h01')!.rule, byHost.get('h03')!.rule, byHost.get('h04')!.rule, byHost.get('h07')!.rule, byHost.get('h08')!.rule],
      ['default', 'default', 'os freebsd', 'host', 'host']);
    assert.equal(byHost.get('h01')!.output, 'deployed on h01');
    assert.equal(byHost.get('h03')!.output, 'deployed on h03 over ssh');
    assert.equal(byHost.get('h04')!.output, 'deployed the BSD way on h04');
    assert.equal(byHost.get('h13')!.outcome, 'not run');
    assert.equal(byHost.get('h15')!.outcome, 'not run');

    // Each host of groups 1 and 2 ran once, on itself; every line of group 1 comes before any of group 2.
    const lines = ledger(box);
    assert.deepEqual(lines.map((l) => l.host).sort(), HOSTS.slice(0, 10));
    for (const l of lines) {
      assert.equal(l.group, HOSTS.indexOf(l.host) < 5 ? '1' : '2', JSON.stringify(l));
      assert.ok(onItself(l), `ran elsewhere: ${JSON.stringify(l)} (sshd port ${sshd.port})`);
    }
    assert.ok(lines.findIndex((l) => l.group === '2') >= 5, JSON.stringify(lines));
    assert.equal(lines.find((l) => l.host === 'h04')!.what, 'freebsd');

    const show = await box.ordo(['batch', 'show', String(rec.id), ...remote()]);
    assert.equal(show.code, 1, show.stderr);
    assert.match(show.stdout, /stopped after group 2 of 4: more than 1 host failed \(maxFailures 1\)/);
    assert.match(show.stdout, /^2 +h07 +failed +3 /m);
    assert.match(show.stdout, /^2 +h08 +failed +4 /m);
    assert.match(show.stdout, /20 hosts: 8 ok, 2 failed, 10 not run/);

    writeFileSync(join(box.root.path, 'fixed'), '');
    const again = await box.ordo(['batch', 'rerun', String(rec.id), '--failed', '--json', ...remote()], { timeoutMs: 120_000 });
    assert.equal(again.code, 0, `${again.stderr}\n${seen()}`);
    const rerun = JSON.parse(again.stdout) as BatchRecord;
    assert.equal(rerun.parent, rec.id);
    assert.equal(rerun.state, 'succeeded');
    assert.equal(rerun.groups, 3);
    assert.deepEqual(rerun.hosts.map((h) => h.host), ['h07', 'h08', ...HOSTS.slice(10)]);
    const rerunBy = new Map(rerun.hosts.map((h) => [h.host, h]));
    assert.deepEqual([rerunBy.get('h13')!.rule, rerunBy.get('h13')!.output], ['os freebsd', 'deployed the BSD way on h13 over ssh']);
    const all = ledger(box);
    for (const l of all) assert.ok(onItself(l), `ran elsewhere: ${JSON.stringify(l)}`);
    for (const h of HOSTS) assert.equal(all.filter((x) => x.host === h).length, h === 'h07' || h === 'h08' ? 2 : 1, h);
  });

  it('a server restart in the middle of a batch over agents neither loses nor repeats it', async () => {
    const before = ledger(box).length;
    const waiting = box.start(['batch', 'run', 'slow', '--json', ...remote()], { timeoutMs: 180_000 });
    await waitFor('group 1 of the slow batch to start', async () => (ledger(box).some((l) => l.what === 'slow') ? true : undefined), { seen });
    assert.equal((await server.stop()).code, 0);
    server = startServer();
    await listening(server);
    const end = await waiting.exited;
    assert.equal(end.code, 0, `${end.stderr}\n${seen()}`);
    const rec = JSON.parse(end.stdout) as BatchRecord;
    assert.equal(rec.state, 'succeeded');
    assert.equal(rec.groups, 2);
    const slow = ledger(box).slice(before).filter((l) => l.what === 'slow').map((l) => l.host);
    assert.deepEqual(slow.sort(), HOSTS.slice(10).filter((h) => !SSH.has(h)), 'each app host with an agent ran once');
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
