/**
 * A singleton flow under partitions (docs/hosts.md, "Singleton flows"): a real server, three real agents,
 * each behind its own TCP proxy on loopback, a flow firing every second on `on: { hosts: [h1, h2, h3] }`
 * with `singleton: true`. During the run agents are stopped (SIGSTOP, then SIGCONT) or cut off (the proxy
 * drops their connection), mostly the one holding the lease. Each copy of the job appends to a ledger when
 * it starts and when it ends (also when stopped: it traps SIGTERM), with its host and fencing number.
 *
 * Checked: no two copies were ever alive at once; fences grow with time; a fire ran again only when its
 * first copy's result was hidden by a partition until its lease ended (counted); every fire
 * before the end ran, except those that fell into a partition's gap (the lease length after its holder
 * vanished). With `overlap: queue-all` the fires of a gap, and the queue that builds up because a run takes
 * longer than the second between fires, run late: the check waits for the queue, bounded by its length.
 * ORDO_SINGLETON_TEST_SECONDS sets how long it fires (default 60, for CI; docs/hosts.md reports a 120 s
 * run); the figures are printed as diagnostics. ORDO_SINGLETON_TEST_DUMP=DIR keeps the evidence.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { sandbox, waitFor, type CliProcess } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { tcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const SECONDS = Number(process.env.ORDO_SINGLETON_TEST_SECONDS) || 60;
/**
 * Short enough that a partition in the first half of a 1-second job outlasts what its last renewal allowed
 * (lease - margin = 450 ms), so that some copies are stopped by their lease.
 */
const LEASE_MS = Number(process.env.ORDO_SINGLETON_TEST_LEASE_MS) || 600;
const HOSTS = ['h1', 'h2', 'h3'];

const JOB = `L=../ledger; ts() { date +%s%3N; }
me="$ORDO_RUN_ID $ORDO_ATTEMPT $ORDO_HOST $ORDO_LEASE_FENCE"
echo "start $me $(ts)" >> $L
trap 'trap "" TERM; echo "end $me $(ts) term" >> $L; exit 143' TERM
sleep 1 & wait $!
echo "end $me $(ts) ok" >> $L
`;

const PROJECT = {
  'ordo.yaml': `maxParallel: 8
hosts:
${HOSTS.map((h) => `  ${h}: { slots: 2 }`).join('\n')}
`,
  'tick.yaml': `flow: tick
on: { hosts: [${HOSTS.join(', ')}] }
singleton: true
triggers:
  - cron: "* * * * * *"
overlap: queue-all
catchup: { policy: none }
runsPerBusinessDate: many
jobs:
  beat:
    retries: 5
    shell: |
${JOB.split('\n').map((l) => `      ${l}`).join('\n')}
`,
};

interface Copy { run: number; attempt: number; host: string; fence: number; start: number; end?: number; how?: string }
interface Partition { host: string; kind: 'stop' | 'cut'; from: number; to: number }
interface Fire { id: number; at: number; state: string; runId: number | null }

function readLedger(path: string): Copy[] {
  const copies = new Map<string, Copy>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [what, run, attempt, host, fence, at, how] = line.split(' ');
    if ((what !== 'start' && what !== 'end') || !/^\d+$/.test(at ?? '')) continue;
    const id = `${run}/${attempt}/${fence}`;
    const c = copies.get(id) ?? { run: Number(run), attempt: Number(attempt), host: host!, fence: Number(fence), start: NaN };
    if (what === 'start') c.start = Number(at);
    else {
      c.end = Number(at);
      c.how = how!;
    }
    copies.set(id, c);
  }
  return [...copies.values()].sort((a, b) => a.start - b.start);
}

it(`a singleton flow firing every second for ${SECONDS} s under partitions: one copy at a time, no fire lost outside the gaps`, { timeout: (SECONDS * 5 + 240) * 1000 }, async (t) => {
  const box = sandbox(PROJECT, { ORDO_SINGLETON_LEASE_MS: String(LEASE_MS), ORDO_LEASE_MS: '60000' });
  const ledger = join(box.root.path, 'ledger');
  writeFileSync(ledger, '');
  const agents = new Map<string, CliProcess>();
  const proxies = new Map<string, TcpProxy>();
  let server: CliProcess | undefined;
  let evidence: object = {};
  const partitions: Partition[] = [];
  const seen = () => `${server?.stderr().slice(-3000)}\n${[...agents].map(([h, a]) => `--- ${h}\n${a.stderr().slice(-1500)}`).join('\n')}`;
  try {
    const created = await box.ordo(['token', 'create', '--name', 'agents', '--role', 'operator']);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim().split('\n').at(-1)!;
    const port = await freePort();
    server = box.start(['server', '--listen', `127.0.0.1:${port}`, '--poll', '100'], { timeoutMs: (SECONDS * 5 + 240) * 1000 });
    await waitFor('the server to listen', async () => (server!.stderr().includes('API listening') ? true : undefined), { seen });
    for (const host of HOSTS) {
      const proxy = await tcpProxy(port);
      proxies.set(host, proxy);
      mkdirSync(join(box.root.path, host));
      agents.set(host, box.start(['agent', '--server', `http://127.0.0.1:${proxy.port}`, '--token', token, '--name', host,
        '--state', join(box.root.path, `state-${host}`), '--dir', join(box.root.path, host)], { timeoutMs: (SECONDS * 5 + 240) * 1000 }));
    }
    await waitFor('the first copy to run', async () => (readLedger(ledger).some((c) => c.how === 'ok') ? true : undefined), { seen });

    // Partitions: every 3 to 6 s one agent, mostly the lease holder, is stopped or cut off for 1 to 5 s.
    const began = Date.now();
    while (Date.now() - began < SECONDS * 1000) {
      await sleep(3000 + Math.random() * 3000);
      const copies = readLedger(ledger);
      const holder = copies.at(-1)?.host ?? 'h1';
      const host = Math.random() < 0.7 ? holder : HOSTS[Math.floor(Math.random() * HOSTS.length)]!;
      const kind = Math.random() < 0.5 ? 'stop' : 'cut';
      const ms = 1000 + Math.random() * 4000;
      const from = Date.now();
      if (kind === 'stop') {
        agents.get(host)!.child.kill('SIGSTOP');
        await sleep(ms);
        agents.get(host)!.child.kill('SIGCONT');
      } else {
        proxies.get(host)!.cut(ms);
        await sleep(ms);
      }
      partitions.push({ host, kind, from, to: Date.now() });
    }
    const endedAt = Date.now();

    // Every fire up to the end gets its run; wait for the queue to drain. Each run takes longer than the
    // second between fires (the 1-second job, placing it under its lease, reporting it, and up to a second
    // before the scheduler starts a queued fire), and fires queue during the gaps, so the queue is long at
    // the end: the wait is bounded by its length, not by a fixed time.
    const firesUpToEnd = async (): Promise<Fire[]> => {
      const r = await box.ordo(['fires', 'tick', '--json', '--limit', '100000']);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as Fire[]).filter((f) => f.at <= endedAt - 1000);
    };
    const okRuns = () => new Set(readLedger(ledger).filter((c) => c.how === 'ok').map((c) => c.run));
    let fires: Fire[] = await firesUpToEnd();
    const backlog = fires.filter((f) => f.runId === null || !okRuns().has(f.runId)).length;
    await waitFor('the fires to run', async () => {
      fires = await firesUpToEnd();
      const ok = okRuns();
      return fires.every((f) => f.runId !== null && ok.has(f.runId)) ? true : undefined;
    }, { timeoutMs: 60_000 + 4000 * backlog, intervalMs: 2000, seen: () => `${JSON.stringify(fires.filter((f) => f.runId === null || !okRuns().has(f.runId)).slice(0, 5))}\n${seen()}` })
      .catch(() => undefined); // what did not run is counted below, and must lie in a gap

    const drainedAt = Date.now();
    const copies = readLedger(ledger);
    // One copy at a time: each starts after the one before ended.
    for (let i = 1; i < copies.length; i++) {
      const [a, b] = [copies[i - 1]!, copies[i]!];
      assert.ok(a.end !== undefined, `copy ${JSON.stringify(a)} recorded its end`);
      assert.ok(b.start >= a.end, `two copies alive at once: ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
      assert.ok(b.fence > a.fence, `fences grow: ${JSON.stringify(a)} then ${JSON.stringify(b)}`);
    }
    // A copy that ended while its host was cut off or stopped (or its agent stalled) could not report before
    // its lease ran out: the server counted the attempt lost and retried it, after the lease, never beside it.
    // Such re-runs are counted, not refused: they are the price of never running two copies at once.
    const okByRun = new Map<number, Copy[]>();
    for (const c of copies) if (c.how === 'ok') okByRun.set(c.run, [...(okByRun.get(c.run) ?? []), c]);
    const reruns = [...okByRun.values()].filter((cs) => cs.length > 1);

    // A fire that did not run must lie in a gap: from a partition's start to the lease length after its end.
    const ran = fires.filter((f) => f.runId !== null && okByRun.has(f.runId));
    const lost = fires.filter((f) => !ran.includes(f));
    evidence = { fires, partitions, lost, endedAt };
    const inGap = (at: number) => partitions.some((p) => at >= p.from - 1000 && at <= p.to + LEASE_MS + 2000);
    assert.deepEqual(lost.filter((f) => !inGap(f.at)), [], 'fires lost outside any gap');

    // Figures: how long the flow had no copy running after one was stopped by its lease (until the lease ran
    // out on the server, and the job was placed and started elsewhere).
    const killed = copies.filter((c) => c.how === 'term');
    const gaps = killed.map((k) => {
      const next = copies.find((c) => c.start > k.start && c !== k);
      return next ? next.start - k.end! : undefined;
    }).filter((g): g is number => g !== undefined);
    // How late the fires ran (queue-all: those of a gap, and the queue that builds up, run after their time).
    const late = ran.map((f) => Math.round((Math.min(...okByRun.get(f.runId!)!.map((c) => c.start)) - f.at) / 1000));
    const figures = {
      seconds: SECONDS, leaseMs: LEASE_MS, fires: fires.length, ran: ran.length, lost: lost.length, doubled: 0, rerunAfterLostResult: reruns.length,
      partitions: partitions.length, stopsOfHolderMidJob: partitions.filter((p) => copies.some((c) => c.host === p.host && c.start <= p.from && (c.end ?? Infinity) >= p.from)).length, stops: partitions.filter((p) => p.kind === 'stop').length, cuts: partitions.filter((p) => p.kind === 'cut').length,
      copiesChecked: copies.length, stoppedByLease: killed.length, retried: copies.filter((c) => c.attempt > 1).length,
      queuedAtEnd: backlog, drainS: Math.round((drainedAt - endedAt) / 1000), lateS: late.length > 0 ? { max: Math.max(...late), mean: Math.round(late.reduce((a, b) => a + b, 0) / late.length) } : null,
      hosts: Object.fromEntries(HOSTS.map((h) => [h, copies.filter((c) => c.host === h && c.how === 'ok').length])),
      gapMs: gaps.length > 0 ? { min: Math.min(...gaps), max: Math.max(...gaps), mean: Math.round(gaps.reduce((a, b) => a + b, 0) / gaps.length) } : null,
      minSpacingMs: Math.min(...copies.slice(1).map((c, i) => c.start - copies[i]!.end!)),
    };
    t.diagnostic(`singleton figures: ${JSON.stringify(figures)}`);
    evidence = { figures, fires, partitions, lost, endedAt };
    assert.ok(ran.length > 0);
  } finally {
    await box.ordo(['pause', 'tick']).catch(() => undefined);
    for (const a of agents.values()) a.child.kill('SIGCONT');
    await server?.stop();
    await Promise.all([...agents.values()].map((a) => a.stop()));
    await Promise.all([...proxies.values()].map((p) => p.close()));
    // The last copy stops at its lease's deadline (its supervisor outlives the agent), then the files are quiet.
    await sleep(LEASE_MS);
    // ORDO_SINGLETON_TEST_DUMP=DIR keeps the evidence (fires, partitions, ledger, logs) and the sandbox for a look.
    const to = process.env.ORDO_SINGLETON_TEST_DUMP;
    if (to) {
      mkdirSync(to, { recursive: true });
      writeFileSync(join(to, 'evidence.json'), JSON.stringify(evidence, null, 1));
      writeFileSync(join(to, 'ledger'), readFileSync(ledger));
      writeFileSync(join(to, 'server.log'), server?.stderr() ?? '');
      for (const [h, a] of agents) writeFileSync(join(to, `agent-${h}.log`), a.stderr());
      writeFileSync(join(to, 'sandbox'), box.root.path);
    } else box.cleanup();
  }
});
