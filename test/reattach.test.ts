/**
 * Jobs outlive their engine (docs/architecture.md, "What survives what"), through the real CLI on SQLite
 * and PostgreSQL:
 * - an engine frozen (SIGSTOP) past its lease loses its run to another, which re-attaches to the running
 *   job instead of starting it again; woken, the stale engine lets go at its next look at the store and
 *   says so (exit 5), and the job runs once, to its end;
 * - a server stopped with SIGTERM (an upgrade) leaves its jobs running, and the next server reports them;
 * - an engine killed while a job's timeout is due: the engine that resumes the run still stops the job on
 *   time.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openStore } from '../src/store/open.js';
import { sandbox, waitFor, type Sandbox } from './support/cli.js';
import { usePostgres } from './support/postgres.js';

const LEASE_MS = 1500;

function ledgerLines(box: Sandbox): string[] {
  try {
    return readFileSync(join(box.root.path, 'ledger'), 'utf8').split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

async function untilLedger(box: Sandbox, line: string): Promise<void> {
  await waitFor(`"${line}" in the ledger`, async () => (ledgerLines(box).includes(line) ? true : undefined),
    { intervalMs: 50, seen: () => ledgerLines(box).join(' | ') });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A sandbox whose jobs write to a ledger; on PostgreSQL when `databaseUrl` is given. */
function box(flow: string, databaseUrl: string | undefined): Sandbox {
  const b = sandbox({ 'ordo.yaml': 'maxParallel: 4\n', 'flow.yaml': flow }, { ORDO_LEASE_MS: String(LEASE_MS), DATABASE_URL: databaseUrl });
  writeFileSync(join(b.root.path, 'ledger'), '');
  return b;
}

const LONG = `flow: hold
jobs:
  long:
    shell: 'echo "$ORDO_ATTEMPT start" >> ../ledger; sleep 3; echo "$ORDO_ATTEMPT end" >> ../ledger'
  after_long:
    after: [long]
    shell: 'echo "after" >> ../ledger'
`;

const TIMED = `flow: timed
jobs:
  slow:
    timeout: 2s
    killGrace: 1s
    shell: 'echo "$$" > ../slow.pid; echo "$ORDO_ATTEMPT start" >> ../ledger; exec sleep 30'
`;

async function attemptsOf(b: Sandbox, databaseUrl: string | undefined, runId: number, job: string) {
  const store = await openStore({ stateDir: b.home, databaseUrl });
  try {
    const task = (await store.getTasks(runId)).find((t) => t.job === job)!;
    return await store.getAttempts(task.id);
  } finally {
    await store.close();
  }
}

async function eventKinds(b: Sandbox, databaseUrl: string | undefined, runId: number): Promise<string[]> {
  const store = await openStore({ stateDir: b.home, databaseUrl });
  try {
    return (await store.events(runId)).map((e) => e.kind);
  } finally {
    await store.close();
  }
}

function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function scenarios(backend: 'SQLite' | 'PostgreSQL') {
  const withDb = async (fn: (url: string | undefined) => Promise<void>) => {
    if (backend === 'SQLite') return fn(undefined);
    const pg = await usePostgres();
    try {
      await fn(pg.url);
    } finally {
      await pg.release();
    }
  };

  it('a stale owner woken after its lease lets go; the new owner re-attaches and the job runs once', { timeout: 60_000 }, () => withDb(async (url) => {
    const b = box(LONG, url);
    try {
      const first = b.start(['run', 'hold', '--json'], { timeoutMs: 40_000 });
      await untilLedger(b, '1 start');
      first.child.kill('SIGSTOP');
      await sleep(LEASE_MS + 500);
      const second = b.ordo(['resume', '1', '--json'], { timeoutMs: 40_000 });
      await waitFor('the new owner to re-attach', async () => ((await eventKinds(b, url, 1)).includes('task_reattached') ? true : undefined));
      first.child.kill('SIGCONT');
      const stale = await first.exited;
      assert.equal(stale.code, 5, stale.stderr);
      assert.match(stale.stdout, /"state":"lost_ownership"/);
      const fresh = await second;
      assert.equal(fresh.code, 0, fresh.stderr);
      assert.equal(JSON.parse(fresh.stdout).state, 'succeeded');
      assert.deepEqual(ledgerLines(b), ['1 start', '1 end', 'after'], 'the job started once and ran to its end');
      const attempts = await attemptsOf(b, url, 1, 'long');
      assert.equal(attempts.length, 1);
      assert.equal(attempts[0]!.state, 'succeeded');
    } finally {
      b.cleanup();
    }
  }));

  it('a server stopped with SIGTERM leaves its jobs running; the next server reports them', { timeout: 60_000 }, () => withDb(async (url) => {
    const b = box(LONG, url);
    try {
      const started = await b.ordo(['start', 'hold']);
      assert.equal(started.code, 0, started.stderr);
      const server = b.start(['server', '--listen', '127.0.0.1:0', '--poll', '100'], { timeoutMs: 40_000 });
      await untilLedger(b, '1 start');
      const stopped = await server.stop();
      assert.equal(stopped.code, 0, stopped.stderr);
      const next = b.start(['server', '--listen', '127.0.0.1:0', '--poll', '100'], { timeoutMs: 40_000 });
      try {
        await waitFor('the run to succeed', async () => {
          const show = await b.ordo(['show', '1', '--json']);
          return show.code === 0 && JSON.parse(show.stdout).run?.state === 'succeeded' ? true : undefined;
        }, { seen: () => next.stderr() });
      } finally {
        await next.stop();
      }
      assert.deepEqual(ledgerLines(b), ['1 start', '1 end', 'after']);
      assert.ok((await eventKinds(b, url, 1)).includes('task_reattached'));
    } finally {
      b.cleanup();
    }
  }));

  it("kill -9 while a job's timeout is due: the resuming engine still stops it on time", { timeout: 60_000 }, () => withDb(async (url) => {
    const b = box(TIMED, url);
    try {
      const first = b.start(['run', 'timed', '--json'], { timeoutMs: 40_000 });
      await untilLedger(b, '1 start');
      await sleep(500);
      first.child.kill('SIGKILL');
      await first.exited;
      const resumeStartedAt = Date.now();
      const resumed = await b.ordo(['resume', '1', '--json'], { timeoutMs: 40_000 });
      assert.equal(resumed.code, 1, resumed.stderr);
      const [attempt, ...more] = await attemptsOf(b, url, 1, 'slow');
      assert.equal(more.length, 0);
      assert.equal(attempt!.state, 'timeout');
      const ran = attempt!.endedAt! - attempt!.startedAt;
      // Stopped once the timeout was due and the resuming engine was up (whichever came later), not when
      // the 30 s sleep ended; the slack is for a new process starting on a loaded machine.
      const due = Math.max(attempt!.startedAt + 2000, resumeStartedAt);
      assert.ok(ran >= 1900 && attempt!.endedAt! - due < 8000, `stopped ${ran} ms after its start (timeout 2 s), ${attempt!.endedAt! - due} ms after it was due`);
      const pid = Number(readFileSync(join(b.root.path, 'slow.pid'), 'utf8'));
      assert.equal(isRunning(pid), false, 'the job process is gone');
      assert.deepEqual(ledgerLines(b), ['1 start']);
    } finally {
      b.cleanup();
    }
  }));
}

describe('jobs outlive their engine (SQLite)', () => scenarios('SQLite'));
describe('jobs outlive their engine (PostgreSQL)', () => scenarios('PostgreSQL'));
