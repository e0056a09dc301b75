/**
 * Per-job limits as a user meets them (docs/limits.md), through the real CLI: memory, cpu and processes
 * enforced for the attempt's whole process tree by cgroups where this machine lets Ordo make them (a job over
 * its memory ends `oom`), open files by a resource limit; with cgroups turned off, the resource-limit
 * fallbacks; how each limit was enforced is in the attempt. Bad limits are diagnostics at file:line:column.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { cgroupHomes } from '../src/exec/cgroups.js';
import { usePostgres } from './support/postgres.js';
import { describeResult, lines, sandbox, type Sandbox } from './support/cli.js';

const FLOW = {
  'ordo.yaml': '',
  'flows/limited.yaml': `flow: limited
jobs:
  hog:
    limits: { memory: 64MiB }
    command: [perl, -e, 'my $x = "a" x 300_000_000; print length($x), "\\n"']
  files:
    limits: { nofile: 77 }
    shell: ulimit -n
  forks:
    limits: { processes: 6 }
    command: [perl, -e, 'my $n = 0; for (1..30) { my $p = fork; last unless defined $p; if (!$p) { sleep 2; exit 0 } $n++ } print "$n\\n"; 1 while wait > 0']
  spin:
    limits: { cpu: 0.2 }
    command: [perl, -e, 'my $end = time + 2; 1 while time < $end']
`,
};

interface Attempt { state: string; error: string | null; limits: Record<string, string> | null; usage: { cpuUserMs: number; cpuSystemMs: number } | null; startedAt: number; endedAt: number }
interface Shown { tasks: { job: string; state: string; reason: string | null; attemptsList: Attempt[] }[] }

async function runFlow(box: Sandbox): Promise<Shown> {
  const r = await box.ordo(['run', 'limited', '--json']);
  assert.equal(r.code, 1, describeResult(['run'], r));
  const run = (JSON.parse(lines(r.stdout)[0]!) as { run: number }).run;
  const shown = await box.ordo(['show', String(run), '--json']);
  return JSON.parse(shown.stdout) as Shown;
}

const task = (s: Shown, job: string) => s.tasks.find((t) => t.job === job)!;
const output = async (box: Sandbox, job: string) => (await box.ordo(['logs', '1', job])).stdout.trim();

const homes = cgroupHomes();

async function cgroupScenario(box: Sandbox): Promise<void> {
  const shown = await runFlow(box);
  const hog = task(shown, 'hog');
  const attempt = hog.attemptsList[0]!;
  if (homes.has('memory')) {
    assert.equal(hog.state, 'failed');
    assert.equal(hog.reason, 'oom', JSON.stringify(hog));
    assert.equal(attempt.error, 'killed by its memory limit (64MiB): out of memory');
    assert.match(attempt.limits!.memory!, /^64MiB \(cgroup v[12]\)$/);
  } else {
    assert.match(attempt.limits!.memory!, /^64MiB \(rlimit: address space\)$/);
  }
  assert.equal(await output(box, 'files'), '77');
  assert.deepEqual(task(shown, 'files').attemptsList[0]!.limits, { nofile: '77 (rlimit)' });
  const forked = Number(await output(box, 'forks'));
  assert.ok(forked >= 1 && forked < 30, `forked ${forked} of 30 under a limit of 6 processes`);
  const spin = task(shown, 'spin').attemptsList[0]!;
  if (homes.has('cpu')) {
    // 0.2 CPU for 2 s of wall time: at most 0.4 s of CPU (a loaded machine gives less, never more).
    const cpu = spin.usage!.cpuUserMs + spin.usage!.cpuSystemMs;
    assert.ok(cpu < 0.35 * (spin.endedAt - spin.startedAt), `${cpu} ms of CPU in ${spin.endedAt - spin.startedAt} ms`);
    assert.match(spin.limits!.cpu!, /^0\.2 \(cgroup v[12]\)$/);
  } else {
    assert.equal(spin.limits!.cpu, '0.2 (not applied: needs a cpu cgroup)');
  }
  // The attempts' cgroups are gone once they ended.
  for (const home of homes.values()) assert.deepEqual(readdirSync(home.parent).filter((d) => d.includes('-r1-')), []);
  const attemptLog = (await box.ordo(['logs', '1', 'hog', '--stream', 'attempt'])).stdout;
  assert.match(attemptLog, /LIMITS.*memory=64MiB/);
}

test('limits on SQLite, with cgroups where this machine has them', async () => {
  const box = sandbox(FLOW);
  try {
    await cgroupScenario(box);
  } finally {
    box.cleanup();
  }
});

test('limits on PostgreSQL', async () => {
  const db = await usePostgres();
  const box = sandbox(FLOW, { DATABASE_URL: db.url });
  try {
    await cgroupScenario(box);
  } finally {
    box.cleanup();
    await db.release();
  }
});

test('without cgroups (ORDO_CGROUPS=off): resource limits, and cpu is not applied', async () => {
  const box = sandbox(FLOW, { ORDO_CGROUPS: 'off' });
  try {
    const shown = await runFlow(box);
    const hog = task(shown, 'hog');
    assert.equal(hog.state, 'failed');
    assert.notEqual(hog.reason, 'oom', 'an allocation refused by RLIMIT_AS is the job failing, not the kernel killing it');
    assert.deepEqual(hog.attemptsList[0]!.limits, { memory: '64MiB (rlimit: address space)' });
    assert.equal(task(shown, 'spin').attemptsList[0]!.limits!.cpu, '0.2 (not applied: needs a cpu cgroup)');
    assert.equal(task(shown, 'forks').attemptsList[0]!.limits!.processes, '6 (rlimit)');
    assert.equal(await output(box, 'files'), '77');
  } finally {
    box.cleanup();
  }
});

test('ordo validate: bad limits at file:line:column', async () => {
  const box = sandbox({
    'ordo.yaml': '',
    'flows/bad.yaml': `flow: bad
jobs:
  a: { command: ['true'], limits: { memory: lots, cpu: 0, files: 3 } }
  b: { kind: noop, limits: { nofile: 10 } }
`,
  });
  try {
    const r = await box.ordo(['validate']);
    assert.equal(r.code, 2, describeResult(['validate'], r));
    const text = r.stdout + r.stderr;
    assert.match(text, /flows\/bad\.yaml:3:45: ORDO_BAD_VALUE "limits\.memory" of job "a" must be a size of at least 4MiB such as 512MB, 512MiB or 2GiB, got the string "lots"/);
    assert.match(text, /flows\/bad\.yaml:3:56: .*"limits\.cpu" of job "a"/);
    assert.match(text, /flows\/bad\.yaml:3:59: .*files/);
    assert.match(text, /flows\/bad\.yaml:4:20: ORDO_BAD_VALUE job "b" is of kind noop: only command jobs have processes to limit/);
  } finally {
    box.cleanup();
  }
});
