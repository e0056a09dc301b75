/**
 * Jobs on hosts through real `ordo agent` processes and a real `ordo server`, on loopback (docs/hosts.md):
 * a job waits while its host has no agent (`ordo why` says so) and runs there once one connects, its output
 * streamed to the server; kill -9 of the agent mid-job and a server restart mid-job (the agent's connection
 * drops and comes back) both end with every job started once and its result reported once.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sandbox, waitFor, type CliProcess, type Sandbox } from '../support/cli.js';
import { freePort } from '../support/ports.js';

const PROJECT = {
  'ordo.yaml': `maxParallel: 8
hosts:
  web1: { labels: { role: web }, slots: 2 }
`,
  'remote.yaml': `flow: remote
jobs:
  first:
    host: web1
    shell: 'echo "first $ORDO_ATTEMPT" >> ../ledger; echo "hello from $ORDO_JOB"; echo "{\\"where\\": \\"agent\\"}" > "$ORDO_RESULT"'
  long:
    host: web1
    after: [first]
    shell: 'echo "long $ORDO_ATTEMPT" >> ../ledger; sleep 3; echo done'
  here:
    after: [long]
    shell: 'echo "here $ORDO_ATTEMPT" >> ../ledger'
`,
};

function ledger(b: Sandbox): string[] {
  try {
    return readFileSync(join(b.root.path, 'ledger'), 'utf8').split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

interface Setup {
  box: Sandbox;
  port: number;
  token: string;
  server: CliProcess;
  startServer(): CliProcess;
  startAgent(name?: string): CliProcess;
}

async function setup(files: Record<string, string> = PROJECT): Promise<Setup> {
  const box = sandbox(files, { ORDO_LEASE_MS: '20000' });
  writeFileSync(join(box.root.path, 'ledger'), '');
  const created = await box.ordo(['token', 'create', '--name', 'agent', '--role', 'operator']);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim().split('\n').at(-1)!;
  const port = await freePort();
  const startServer = () => box.start(['server', '--listen', `127.0.0.1:${port}`, '--poll', '100'], { timeoutMs: 60_000 });
  // Each agent runs its jobs in a directory named after its host, so a job can tell where it ran.
  const startAgent = (name = 'web1') => {
    mkdirSync(join(box.root.path, name), { recursive: true });
    return box.start(['agent', '--server', `http://127.0.0.1:${port}`, '--token', token, '--name', name,
      '--state', join(box.root.path, `agent-state-${name}`), '--dir', join(box.root.path, name)], { timeoutMs: 60_000 });
  };
  const server = startServer();
  await waitFor('the server to listen', async () => (server.stderr().includes('API listening') ? true : undefined), { seen: () => server.stderr() });
  return { box, port, token, server, startServer, startAgent };
}

async function runState(b: Sandbox, run: number): Promise<{ state: string; tasks: Array<{ job: string; state: string; attempts: number; result: unknown }> }> {
  const show = await b.ordo(['show', String(run), '--json']);
  assert.equal(show.code, 0, show.stderr);
  const doc = JSON.parse(show.stdout) as { run: { state: string }; tasks: Array<{ job: string; state: string; attempts: number; result: unknown }> };
  return { state: doc.run.state, tasks: doc.tasks };
}

async function untilEnded(b: Sandbox, run: number, seen: () => string) {
  return waitFor('the run to end', async () => {
    const s = await runState(b, run);
    return ['succeeded', 'failed', 'aborted'].includes(s.state) ? s : undefined;
  }, { timeoutMs: 45_000, seen });
}

describe('jobs on hosts, run by ordo agent', () => {
  it('ordo run refuses a flow with jobs on hosts, which only a server runs', async () => {
    const b = sandbox(PROJECT);
    try {
      const r = await b.ordo(['run', 'remote']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /ORDO_BAD_ARGUMENT flow "remote" has jobs on agents. hosts \(first, long\): a server runs it \(ordo start remote/);
    } finally {
      b.cleanup();
    }
  });

  it('a job waits for its host; an agent runs it, streams its output and reports its result once', { timeout: 90_000 }, async () => {
    const s = await setup();
    let agent: CliProcess | undefined;
    try {
      assert.equal((await s.box.ordo(['start', 'remote'])).code, 0);
      const why = await waitFor('ordo why to name the host', async () => {
        const r = await s.box.ordo(['why', '1', 'first']);
        return /host "web1" is down/.test(r.stdout) ? r.stdout : undefined;
      });
      assert.match(why, /ordo agent --name web1/);
      agent = s.startAgent();
      const end = await untilEnded(s.box, 1, () => `${s.server.stderr()}\n--- agent\n${agent!.stderr()}`);
      assert.equal(end.state, 'succeeded', s.server.stderr());
      assert.deepEqual(end.tasks.find((t) => t.job === 'first')?.result, { where: 'agent' });
      assert.deepEqual(ledger(s.box), ['first 1', 'long 1', 'here 1']);
      const logs = await s.box.ordo(['logs', '1', 'first']);
      assert.match(logs.stdout, /hello from first/);
      const hosts = await s.box.ordo(['hosts', '--server', `http://127.0.0.1:${s.port}`, '--token', s.token, '--json']);
      assert.equal(hosts.code, 0, hosts.stderr);
      const [web1] = JSON.parse(hosts.stdout) as Array<{ name: string; state: string; running: number }>;
      assert.deepEqual([web1!.name, web1!.state, web1!.running], ['web1', 'up', 0]);
    } finally {
      await agent?.stop();
      await s.server.stop();
      s.box.cleanup();
    }
  });

  it('kill -9 of the agent mid-job: the restarted agent re-attaches, the job runs once', { timeout: 90_000 }, async () => {
    const s = await setup();
    let agent = s.startAgent();
    try {
      assert.equal((await s.box.ordo(['start', 'remote'])).code, 0);
      await waitFor('the long job to start', async () => (ledger(s.box).includes('long 1') ? true : undefined), { seen: () => agent.stderr() });
      agent.child.kill('SIGKILL');
      await agent.exited;
      agent = s.startAgent();
      const end = await untilEnded(s.box, 1, () => `${s.server.stderr()}\n--- agent\n${agent.stderr()}`);
      assert.equal(end.state, 'succeeded');
      assert.deepEqual(ledger(s.box), ['first 1', 'long 1', 'here 1']);
      assert.equal(end.tasks.find((t) => t.job === 'long')?.attempts, 1);
    } finally {
      await agent.stop();
      await s.server.stop();
      s.box.cleanup();
    }
  });

  it("a server restart mid-job drops the agent's connection; it reconnects and the result is reported once", { timeout: 90_000 }, async () => {
    const s = await setup();
    const agent = s.startAgent();
    let server = s.server;
    try {
      assert.equal((await s.box.ordo(['start', 'remote'])).code, 0);
      await waitFor('the long job to start', async () => (ledger(s.box).includes('long 1') ? true : undefined), { seen: () => agent.stderr() });
      assert.equal((await server.stop()).code, 0);
      server = s.startServer();
      const end = await untilEnded(s.box, 1, () => `${server.stderr()}\n--- agent\n${agent.stderr()}`);
      assert.equal(end.state, 'succeeded', server.stderr());
      assert.deepEqual(ledger(s.box), ['first 1', 'long 1', 'here 1']);
      assert.equal(end.tasks.find((t) => t.job === 'long')?.attempts, 1);
      assert.equal(agent.child.exitCode, null, 'the agent kept running');
    } finally {
      await agent.stop();
      await server.stop();
      s.box.cleanup();
    }
  });

  it('a host selector spreads jobs over the matching hosts, the least busy first', { timeout: 90_000 }, async () => {
    const jobs = ['a', 'b', 'c', 'd'].map((j) => `  ${j}: { hosts: { labels: { role: web } }, shell: 'echo "${j} $(basename "$PWD")" >> ../ledger; sleep 1' }`);
    const s2 = await setup({
      'ordo.yaml': 'hosts:\n  web1: { labels: { role: web }, slots: 1 }\n  web2: { labels: { role: web }, slots: 1 }\n  db1: { labels: { role: db } }\n',
      'spread.yaml': `flow: spread\njobs:\n${jobs.join('\n')}\n`,
    });
    const agents = [s2.startAgent('web1'), s2.startAgent('web2')];
    try {
      assert.equal((await s2.box.ordo(['start', 'spread'])).code, 0);
      const end = await untilEnded(s2.box, 1, () => s2.server.stderr());
      assert.equal(end.state, 'succeeded');
      const where = ledger(s2.box).map((l) => l.split(' ')[1]);
      assert.equal(where.length, 4);
      assert.deepEqual(where.filter((h) => h === 'web1').length, 2, ledger(s2.box).join(' | '));
      assert.deepEqual(where.filter((h) => h === 'web2').length, 2, ledger(s2.box).join(' | '));
    } finally {
      for (const a of agents) await a.stop();
      await s2.server.stop();
      s2.box.cleanup();
    }
  });
});
