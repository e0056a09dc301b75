/**
 * The `ordo` command line as a user meets it: the compiled CLI in a child process, a project written into
 * a temp folder, the store in a temp ORDO_HOME (SQLite; one test also on PostgreSQL). What is checked is
 * the contract of docs/cli.md: output formats, exit statuses and the one-line `ordo: CODE message` errors.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { usePostgres } from './support/postgres.js';
import { describeResult, lines, sandbox, type CliResult, type Sandbox } from './support/cli.js';

// ---- what the CLI prints ------------------------------------------------------------------------------

interface RunJson {
  run: number;
  state: string;
  tasks: { job: string; state: string; attempts: number; exitCode: number | null }[];
}

interface ShowJson {
  run: { id: number; flow: string; state: string; params: Record<string, unknown> };
  tasks: {
    job: string; state: string; reason: string | null; attempts: number; exitCode: number | null;
    result: Record<string, unknown> | null;
    attemptsList: { attempt: number; state: string; exitCode: number | null }[];
  }[];
  kv: { key: string; value: string }[];
}

interface RunListEntry { id: number; flow: string; state: string }

/** Runs the CLI and checks the exit status, with the whole output in the message when it differs. */
async function ordoExpect(box: Sandbox, args: string[], code: number): Promise<CliResult> {
  const r = await box.ordo(args);
  assert.equal(r.timedOut, false, describeResult(args, r));
  assert.equal(r.code, code, describeResult(args, r));
  return r;
}

/** stdout holding exactly one JSON document on one line. */
function oneJson<T>(r: CliResult): T {
  const out = lines(r.stdout);
  assert.equal(out.length, 1, `expected one line of JSON on stdout, got:\n${r.stdout}`);
  return JSON.parse(out[0]!) as T;
}

async function show(box: Sandbox, run: number): Promise<ShowJson> {
  return oneJson<ShowJson>(await ordoExpect(box, ['show', String(run), '--json'], 0));
}

async function runList(box: Sandbox): Promise<RunListEntry[]> {
  return oneJson<RunListEntry[]>(await ordoExpect(box, ['runs', '--json'], 0));
}

/**
 * A refused command: the documented status, and stderr holding exactly one `ordo: CODE ...` line (other
 * lines, such as the definition problems printed before ORDO_INVALID_PROJECT, are allowed when `only`
 * is false).
 */
function assertRefused(args: string[], r: CliResult, code: number, errorCode: string, only = true): string {
  assert.equal(r.timedOut, false, describeResult(args, r));
  assert.equal(r.code, code, describeResult(args, r));
  const errLines = lines(r.stderr);
  const ordoLines = errLines.filter((l) => l.startsWith('ordo: '));
  assert.equal(ordoLines.length, 1, `exactly one "ordo: " line expected\n${describeResult(args, r)}`);
  if (only) assert.equal(errLines.length, 1, `stderr should be that one line\n${describeResult(args, r)}`);
  assert.match(ordoLines[0]!, new RegExp(`^ordo: ${errorCode} \\S`), describeResult(args, r));
  assert.doesNotMatch(r.stderr, /\n\s+at /, `no stack trace expected\n${describeResult(args, r)}`);
  return ordoLines[0]!;
}

function task<T extends { job: string }>(doc: { tasks: T[] }, job: string): T {
  const t = doc.tasks.find((x) => x.job === job);
  assert.ok(t, `no task "${job}" in ${JSON.stringify(doc.tasks)}`);
  return t;
}

// ---- projects -------------------------------------------------------------------------------------------

const HELLO = {
  'ordo.yaml': 'maxParallel: 4\n',
  'flows/hello.yaml': `flow: hello
jobs:
  a: { command: [echo, hello from a] }
  b: { command: [echo, hello from b], after: [a] }
`,
};

/** The core test, on whichever store the sandbox's environment selects. */
async function checkSucceedingRun(box: Sandbox): Promise<number> {
  const args = ['run', 'hello', '--dir', box.project, '--json'];
  const r = await ordoExpect(box, args, 0);
  assert.equal(r.stderr, '', `--json prints nothing else\n${describeResult(args, r)}`);
  const doc = oneJson<RunJson>(r);
  assert.deepEqual(Object.keys(doc).sort(), ['run', 'state', 'tasks']);
  assert.equal(typeof doc.run, 'number');
  assert.equal(doc.state, 'succeeded');
  assert.deepEqual(doc.tasks, [
    { job: 'a', state: 'succeeded', attempts: 1, exitCode: 0 },
    { job: 'b', state: 'succeeded', attempts: 1, exitCode: 0 },
  ]);
  const runs = await runList(box);
  assert.deepEqual(runs.map((x) => [x.id, x.flow, x.state]), [[doc.run, 'hello', 'succeeded']]);
  assert.equal((await ordoExpect(box, ['logs', String(doc.run), 'b'], 0)).stdout, 'hello from b\n');
  return doc.run;
}

/**
 * The tests below are independent (each has its own project and store), so they run a few at a time:
 * registered here, run by the suite at the end of the file.
 */
type TestFn = () => Promise<void>;
const CASES: { name: string; fn: TestFn; todo?: string }[] = [];
function cliTest(name: string, fn: TestFn): void;
function cliTest(name: string, opts: { todo: string }, fn: TestFn): void;
function cliTest(name: string, a: TestFn | { todo: string }, b?: TestFn): void {
  if (typeof a === 'function') CASES.push({ name, fn: a });
  else CASES.push({ name, fn: b!, todo: a.todo });
}

cliTest('ordo run --json: a succeeding flow exits 0 and prints the documented JSON', async () => {
  const box = sandbox(HELLO);
  try {
    await checkSucceedingRun(box);
    // The store went to ORDO_HOME, not into the project.
    assert.ok(existsSync(join(box.home, 'ordo.db')));
    assert.equal(existsSync(join(box.project, '.ordo')), false);
  } finally {
    box.cleanup();
  }
});

cliTest('ordo run: a failing job fails the run (exit 1); a failure handled by { job: failed } does not', async () => {
  const box = sandbox({
    'failing.yaml': `flow: failing
jobs:
  a: { shell: 'echo about to fail; exit 1' }
  b: { command: [echo, never], after: [a] }
`,
    'handled.yaml': `flow: handled
jobs:
  c: { shell: 'exit 3' }
  d: { command: [echo, cleaning up], after: [{ c: failed }] }
`,
  });
  try {
    const failed = oneJson<RunJson>(await ordoExpect(box, ['run', 'failing', '--json'], 1));
    assert.equal(failed.state, 'failed');
    assert.deepEqual(failed.tasks, [
      { job: 'a', state: 'failed', attempts: 1, exitCode: 1 },
      { job: 'b', state: 'skipped', attempts: 0, exitCode: null },
    ]);

    const handled = oneJson<RunJson>(await ordoExpect(box, ['run', 'handled', '--json'], 0));
    assert.equal(handled.state, 'succeeded');
    assert.deepEqual(handled.tasks, [
      { job: 'c', state: 'failed', attempts: 1, exitCode: 3 },
      { job: 'd', state: 'succeeded', attempts: 1, exitCode: 0 },
    ]);

    // Without --json: the run's table on stdout, the same exit status.
    const plain = await ordoExpect(box, ['run', 'failing'], 1);
    assert.match(plain.stdout, /^run \d+ {2}flow failing {2}failed/);
    assert.match(plain.stdout, /^a\s+failed\s+1\s/m);
  } finally {
    box.cleanup();
  }
});

cliTest('ordo run: retries (a script failing twice, then succeeding) show 3 attempts', async () => {
  const box = sandbox({
    'retry.yaml': `flow: retry
jobs:
  flaky:
    retries: 2
    shell: 'n=$(cat counter 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > counter; echo "try $n"; [ "$n" -ge 3 ]'
`,
  });
  try {
    const doc = oneJson<RunJson>(await ordoExpect(box, ['run', 'retry', '--json'], 0));
    assert.equal(doc.state, 'succeeded');
    assert.deepEqual(doc.tasks, [{ job: 'flaky', state: 'succeeded', attempts: 3, exitCode: 0 }]);
    assert.equal(readFileSync(join(box.project, 'counter'), 'utf8').trim(), '3');

    const shown = await show(box, doc.run);
    assert.deepEqual(task(shown, 'flaky').attemptsList.map((a) => [a.attempt, a.state, a.exitCode]),
      [[1, 'failed', 1], [2, 'failed', 1], [3, 'succeeded', 0]]);
    // logs: the latest attempt by default, an earlier one with --attempt.
    assert.equal((await ordoExpect(box, ['logs', String(doc.run), 'flaky'], 0)).stdout, 'try 3\n');
    assert.equal((await ordoExpect(box, ['logs', String(doc.run), 'flaky', '--attempt', '1'], 0)).stdout, 'try 1\n');
  } finally {
    box.cleanup();
  }
});

const PARAMS = {
  'params.yaml': `flow: params
params:
  k: { type: string, default: plain }
  n: { type: integer, default: 1 }
jobs:
  echo:
    command: [printf, '%s|%s\\n', "k=\${{ params.k }}", "n=\${{ params.n }}"]
`,
  'needs.yaml': `flow: needs
params:
  who: { type: string, required: true }
jobs:
  hi: { command: [echo, "hi \${{ params.who }}"] }
`,
};

cliTest('ordo run --param: values reach argv through ${{ params.k }} literally, never through a shell', async () => {
  const box = sandbox(PARAMS);
  try {
    const hostile = '$(touch pwned); x';
    const doc = oneJson<RunJson>(await ordoExpect(box, ['run', 'params', '--param', `k=${hostile}`, '--param', 'n=7', '--json'], 0));
    assert.equal(doc.state, 'succeeded');
    const out = await ordoExpect(box, ['logs', String(doc.run), 'echo'], 0);
    assert.equal(out.stdout, `k=${hostile}|n=7\n`);
    for (const dir of [box.project, box.home, box.root.path]) {
      assert.equal(existsSync(join(dir, 'pwned')), false, `a file "pwned" was created in ${dir}`);
    }
    // Coerced to the declared types, and the defaults apply to what is not given.
    assert.deepEqual((await show(box, doc.run)).run.params, { k: hostile, n: 7 });
    const defaults = oneJson<RunJson>(await ordoExpect(box, ['run', 'params', '--json'], 0));
    assert.equal((await ordoExpect(box, ['logs', String(defaults.run), 'echo'], 0)).stdout, 'k=plain|n=1\n');
  } finally {
    box.cleanup();
  }
});

cliTest('ordo run --param: unknown, mistyped or missing parameters are refused with one line and no run', async () => {
  const box = sandbox(PARAMS);
  try {
    const cases: [string[], RegExp][] = [
      [['run', 'params', '--param', 'nope=1'], /no parameter "nope"/],
      [['run', 'params', '--param', 'n=abc'], /"n" must be of type integer/],
      [['run', 'params', '--param', 'n=1.5'], /"n" must be of type integer/],
      [['run', 'needs'], /"who" of flow "needs" is required/],
      [['start', 'params', '--param', 'n=abc'], /"n" must be of type integer/],
    ];
    for (const [args, message] of cases) {
      const r = await box.ordo(args);
      assert.match(assertRefused(args, r, 2, 'ORDO_BAD_PARAM'), message);
      assert.equal(r.stdout, '', describeResult(args, r));
    }
    assert.deepEqual(await runList(box), [], 'no run may be created by a refused command');
    const table = await ordoExpect(box, ['runs'], 0);
    assert.equal(lines(table.stdout).length, 2, `only the header of an empty table expected:\n${table.stdout}`);
  } finally {
    box.cleanup();
  }
});

cliTest('ordo run --param without "=" is refused as ORDO_BAD_ARGUMENT (exit 2, one line)', async () => {
  const box = sandbox(PARAMS);
  try {
    const args = ['run', 'params', '--param', 'n'];
    assertRefused(args, await box.ordo(args), 2, 'ORDO_BAD_ARGUMENT');
  } finally {
    box.cleanup();
  }
});

cliTest('results: $ORDO_RESULT of a job is ${{ jobs.a.result.n }} downstream; $ORDO_INPUT holds params and results', async () => {
  const box = sandbox({
    'results.yaml': `flow: results
params:
  day: { type: string, default: "2026-01-01" }
jobs:
  a: { shell: 'printf "%s" "{\\"n\\": 42}" > "$ORDO_RESULT"' }
  b: { command: [echo, "n=\${{ jobs.a.result.n }}"], after: [a] }
  c: { shell: 'cat "$ORDO_INPUT"', after: [a] }
`,
  });
  try {
    const doc = oneJson<RunJson>(await ordoExpect(box, ['run', 'results', '--param', 'day=2026-05-31', '--json'], 0));
    assert.equal(doc.state, 'succeeded');
    assert.equal((await ordoExpect(box, ['logs', String(doc.run), 'b'], 0)).stdout, 'n=42\n');
    const input = JSON.parse((await ordoExpect(box, ['logs', String(doc.run), 'c'], 0)).stdout) as {
      params: Record<string, unknown>; results: Record<string, unknown>;
    };
    assert.deepEqual(input.params, { day: '2026-05-31' });
    assert.deepEqual(input.results, { a: { n: 42 } });
    assert.deepEqual(task(await show(box, doc.run), 'a').result, { n: 42 });
  } finally {
    box.cleanup();
  }
});

cliTest('the pigeon hole: ordo kv set / get inside jobs, and from outside with --run', async () => {
  const box = sandbox({
    'kv.yaml': `flow: kv
jobs:
  writer: { shell: 'ordo kv set lsn 123' }
  reader: { shell: 'echo "lsn=$(ordo kv get lsn)"', after: [writer] }
  templated: { command: [echo, "kv=\${{ kv.lsn }}"], after: [writer] }
`,
  });
  try {
    const doc = oneJson<RunJson>(await ordoExpect(box, ['run', 'kv', '--json'], 0));
    assert.equal(doc.state, 'succeeded', JSON.stringify(doc));
    const run = String(doc.run);
    assert.equal((await ordoExpect(box, ['logs', run, 'reader'], 0)).stdout, 'lsn=123\n');
    assert.equal((await ordoExpect(box, ['logs', run, 'templated'], 0)).stdout, 'kv=123\n');

    assert.equal((await ordoExpect(box, ['kv', 'get', 'lsn', '--run', run], 0)).stdout, '123\n');
    await ordoExpect(box, ['kv', 'set', 'note', 'from outside', '--run', run], 0);
    assert.deepEqual(oneJson(await ordoExpect(box, ['kv', 'list', '--run', run], 0)), { lsn: '123', note: 'from outside' });
    assert.deepEqual((await show(box, doc.run)).kv.map((e) => [e.key, e.value]).sort(), [['lsn', '123'], ['note', 'from outside']]);

    // An unset key: exit 3; no run named: ORDO_BAD_ARGUMENT.
    const unset = ['kv', 'get', 'missing', '--run', run];
    assertRefused(unset, await box.ordo(unset), 3, 'ORDO_NOT_FOUND');
    const noRun = ['kv', 'get', 'lsn'];
    assertRefused(noRun, await box.ordo(noRun), 2, 'ORDO_BAD_ARGUMENT');
    const badKey = ['kv', 'set', 'bad key', 'v', '--run', run];
    assertRefused(badKey, await box.ordo(badKey), 2, 'ORDO_BAD_ARGUMENT');
  } finally {
    box.cleanup();
  }
});

cliTest('ordo validate: every problem as file:line:column: CODE message (exit 2); a good project exits 0', async () => {
  const box = sandbox({
    'bad/flow.yaml': `flow: broken
jobs:
  a:
    shell: 'echo a'
    bogus: 1
  b:
    shell: 'echo b'
    after: [nosuch]
  c:
    command: [echo, "\${{ params.missing }}"]
`,
    ...Object.fromEntries(Object.entries(HELLO).map(([k, v]) => [`good/${k}`, v])),
  });
  try {
    const bad = await ordoExpect(box, ['validate', join(box.project, 'bad')], 2);
    const found = lines(bad.stdout);
    assert.equal(found.length, 3, describeResult(['validate'], bad));
    for (const l of found) assert.match(l, /^[^\s:]+:\d+:\d+: ORDO_[A-Z_]+ \S.*$/);
    assert.deepEqual(found.map((l) => l.split(' ')[0] + ' ' + l.split(' ')[1]), [
      'flow.yaml:5:5: ORDO_UNKNOWN_KEY',
      'flow.yaml:8:13: ORDO_UNKNOWN_JOB',
      'flow.yaml:10:21: ORDO_UNKNOWN_PARAM',
    ]);
    const json = oneJson<{ code: string; at: { file: string; line: number; column: number } }[]>(
      await ordoExpect(box, ['validate', join(box.project, 'bad'), '--json'], 2));
    assert.deepEqual(json.map((d) => d.code), ['ORDO_UNKNOWN_KEY', 'ORDO_UNKNOWN_JOB', 'ORDO_UNKNOWN_PARAM']);

    const good = await ordoExpect(box, ['validate', join(box.project, 'good')], 0);
    assert.equal(good.stdout, 'ok: 1 flow(s), 2 job(s)\n');

    // A command that needs the definitions refuses the broken project: the problems, then one ordo: line.
    const args = ['run', 'broken', '--dir', join(box.project, 'bad')];
    const r = await box.ordo(args);
    assertRefused(args, r, 2, 'ORDO_INVALID_PROJECT', false);
    assert.equal(lines(r.stderr).filter((l) => /^flow\.yaml:\d+:\d+: ORDO_/.test(l)).length, 3, describeResult(args, r));
  } finally {
    box.cleanup();
  }
});

cliTest('looking: ordo show, runs, events, logs (stdout and the attempt record), graph', async () => {
  const box = sandbox({
    'look.yaml': `flow: look
jobs:
  a: { shell: 'echo out-a; echo err-a >&2' }
  b: { command: [echo, out-b], after: [a] }
  c: { shell: 'exit 3' }
  d: { command: [echo, out-d], after: [{ c: failed }] }
  e: { command: [echo, out-e], after: [{ any: [a, d] }] }
`,
  });
  try {
    const doc = oneJson<RunJson>(await ordoExpect(box, ['run', 'look', '--json'], 0));
    const run = String(doc.run);

    const text = (await ordoExpect(box, ['show', run], 0)).stdout;
    assert.match(text, new RegExp(`^run ${run} {2}flow look {2}succeeded`));
    assert.match(text, /^JOB\s+STATE\s+ATTEMPTS\s+START\s+DURATION\s+EXIT$/m);
    for (const [job, state, exit] of [['a', 'succeeded', '0'], ['c', 'failed', '3'], ['e', 'succeeded', '0']] as const) {
      assert.match(text, new RegExp(`^${job}\\s+${state}\\s+1\\s+.*\\s${exit}$`, 'm'));
    }
    const shown = await show(box, doc.run);
    assert.equal(shown.run.state, 'succeeded');
    assert.deepEqual(shown.tasks.map((t) => t.job), ['a', 'b', 'c', 'd', 'e']);

    const listed = (await ordoExpect(box, ['runs'], 0)).stdout;
    assert.match(listed, new RegExp(`^${run}\\s+look\\s+succeeded\\s`, 'm'));
    const filtered = oneJson<RunListEntry[]>(await ordoExpect(box, ['runs', '--flow', 'other', '--json'], 0));
    assert.deepEqual(filtered, []);

    const events = lines((await ordoExpect(box, ['events', run], 0)).stdout);
    assert.match(events[0]!, /run_created/);
    assert.match(events[events.length - 1]!, /run_succeeded/);
    for (const job of ['a', 'b', 'c', 'd', 'e']) {
      assert.ok(events.some((l) => /\btask_started\s+/.test(l) && l.includes(` ${job} `)), `task_started of ${job}:\n${events.join('\n')}`);
    }
    const jsonEvents = lines((await ordoExpect(box, ['events', run, '--json'], 0)).stdout)
      .map((l) => JSON.parse(l) as { kind: string; job: string | null });
    assert.ok(jsonEvents.some((e) => e.kind === 'task_failed' && e.job === 'c'));

    assert.equal((await ordoExpect(box, ['logs', run, 'a', '--stream', 'stdout'], 0)).stdout, 'out-a\n');
    // By default both streams (their order is the pipes' here; test/cli-newcomer.test.ts pins it down).
    assert.deepEqual(lines((await ordoExpect(box, ['logs', run, 'a'], 0)).stdout).sort(), ['err-a', 'out-a']);
    assert.equal((await ordoExpect(box, ['logs', run, 'a', '--stream', 'stderr'], 0)).stdout, 'err-a\n');
    const record = lines((await ordoExpect(box, ['logs', run, 'a', '--stream', 'attempt'], 0)).stdout);
    assert.ok(record.some((l) => /^START .*attempt=1\b/.test(l)), record.join("\n"));
    assert.ok(record.some((l) => /^FINISH .*job=a attempt=1\b.*status=succeeded exit=0/.test(l)), record.join('\n'));
    const failedRecord = (await ordoExpect(box, ['logs', run, 'c', '--stream', 'attempt'], 0)).stdout;
    assert.match(failedRecord, /^FINISH .*job=c .*status=failed exit=3/m);

    const mermaid = (await ordoExpect(box, ['graph', 'look', '--format', 'mermaid'], 0)).stdout;
    assert.match(mermaid, /^flowchart LR$/m);
    assert.match(mermaid, /^\s*j_a --> j_b$/m);
    assert.match(mermaid, /^\s*j_c -->\|failed\| j_d$/m);
    assert.match(mermaid, /^\s*j_a -\.-> j_e$/m);
    assert.match(mermaid, /^\s*j_d -\.-> j_e$/m);
    assert.equal((await ordoExpect(box, ['graph', 'look'], 0)).stdout, mermaid, 'mermaid is the default');
    const dot = (await ordoExpect(box, ['graph', 'look', '--format', 'dot'], 0)).stdout;
    assert.match(dot, /^digraph "look" \{$/m);
    assert.match(dot, /^\s*"a" -> "b";$/m);
    assert.match(dot, /^\s*"c" -> "d" \[label="failed"\];$/m);
    assert.match(dot, /^\s*"a" -> "e" \[style=dashed\];$/m);
  } finally {
    box.cleanup();
  }
});

cliTest('bad input: each refusal exits with its documented status and one "ordo:" line', async () => {
  const box = sandbox(HELLO);
  try {
    const run = oneJson<RunJson>(await ordoExpect(box, ['run', 'hello', '--json'], 0)).run;
    const refusals: [string[], number, string, RegExp][] = [
      [['run', 'nosuch'], 3, 'ORDO_NOT_FOUND', /flow "nosuch" is not defined .*\(flows: hello\)/],
      [['start', 'nosuch'], 3, 'ORDO_NOT_FOUND', /flow "nosuch"/],
      [['graph', 'nosuch'], 3, 'ORDO_NOT_FOUND', /flow "nosuch"/],
      [['show', 'abc'], 2, 'ORDO_BAD_ARGUMENT', /"abc" is not a run id/],
      [['events', '-1'], 2, 'ORDO_BAD_ARGUMENT', /is not a run id/],
      [['logs', 'x1', 'a'], 2, 'ORDO_BAD_ARGUMENT', /"x1" is not a run id/],
      [['show', '999'], 3, 'ORDO_NOT_FOUND', /run 999 does not exist/],
      [['events', '999'], 3, 'ORDO_NOT_FOUND', /run 999 does not exist/],
      [['logs', String(run), 'nosuch'], 3, 'ORDO_NOT_FOUND', /no job "nosuch"/],
      [['logs', String(run), 'a', '--stream', 'bogus'], 2, 'ORDO_BAD_ARGUMENT', /--stream must be one of/],
      [['runs', '--state', 'bogus'], 2, 'ORDO_BAD_ARGUMENT', /--state must be one of/],
      [['graph', 'hello', '--format', 'svg'], 2, 'ORDO_BAD_ARGUMENT', /--format must be dot or mermaid/],
      [['run', 'hello', '--max-parallel', '0'], 2, 'ORDO_BAD_ARGUMENT', /--max-parallel must be a positive integer/],
      [['skip', String(run), 'a'], 4, 'ORDO_BAD_STATE', /has ended \(succeeded\)/],
      [['abort', String(run)], 4, 'ORDO_BAD_STATE', /has ended \(succeeded\)/],
      [['disable', 'hello', 'nosuch'], 3, 'ORDO_NOT_FOUND', /no job "nosuch"/],
    ];
    for (const [args, code, errorCode, message] of refusals) {
      const r = await box.ordo(args);
      assert.match(assertRefused(args, r, code, errorCode), message, describeResult(args, r));
    }

    // A missing project directory: one ordo: line that says so.
    const missing = ['run', 'hello', '--dir', join(box.root.path, 'does-not-exist')];
    const m = await box.ordo(missing);
    assertRefused(missing, m, 2, 'ORDO_NO_PROJECT');
    assert.match(m.stderr, /does-not-exist does not exist; cd into a project or pass --dir DIR/);

    // Usage errors found by commander (unknown option or command, missing argument): exit 2, no stack.
    const usage: [string[], RegExp][] = [
      [['run', 'hello', '--bogus'], /unknown option '--bogus'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['show'], /missing required argument 'run'/],
    ];
    for (const [args, message] of usage) {
      const r = await box.ordo(args);
      assert.equal(r.code, 2, describeResult(args, r));
      assert.match(r.stderr, message, describeResult(args, r));
      assert.doesNotMatch(r.stderr, /\n\s+at /, describeResult(args, r));
      assert.equal(r.stdout, '', describeResult(args, r));
      assert.match(r.stderr, /^ordo: ORDO_BAD_ARGUMENT [^\n]+\n$/, `one line: ${describeResult(args, r)}`);
    }

    // None of the refused commands created a run.
    assert.deepEqual((await runList(box)).map((x) => x.id), [run]);
  } finally {
    box.cleanup();
  }
});

cliTest('ordo restart --mode downstream (driven in this process) reruns the job and its dependents', async () => {
  const box = sandbox({
    'rs.yaml': `flow: rs
jobs:
  a: { shell: 'echo a >> ran.txt' }
  m: { shell: 'echo m >> ran.txt; test ! -f marker', after: [a] }
  n: { shell: 'echo n >> ran.txt', after: [m] }
  o: { shell: 'echo o >> ran.txt', after: [a] }
`,
    marker: '',
  });
  try {
    const first = oneJson<RunJson>(await ordoExpect(box, ['run', 'rs', '--json'], 1));
    assert.equal(task(first, 'n').state, 'skipped');
    rmSync(join(box.project, 'marker'));
    const again = oneJson<RunJson>(await ordoExpect(box, ['restart', String(first.run), 'm', '--mode', 'downstream', '--json'], 0));
    assert.equal(again.run, first.run);
    assert.equal(again.state, 'succeeded');
    assert.deepEqual(again.tasks, [
      { job: 'a', state: 'succeeded', attempts: 1, exitCode: 0 },
      { job: 'm', state: 'succeeded', attempts: 2, exitCode: 0 },
      { job: 'n', state: 'succeeded', attempts: 1, exitCode: 0 },
      { job: 'o', state: 'succeeded', attempts: 1, exitCode: 0 },
    ]);
    // Only m and what depends on it ran again.
    const ran = lines(readFileSync(join(box.project, 'ran.txt'), 'utf8'));
    const times = (job: string) => ran.filter((j) => j === job).length;
    assert.deepEqual(['a', 'm', 'n', 'o'].map(times), [1, 2, 1, 1], ran.join(' '));
    const bad = ['restart', String(first.run), 'm', '--mode', 'sideways'];
    assertRefused(bad, await box.ordo(bad), 2, 'ORDO_BAD_ARGUMENT');
  } finally {
    box.cleanup();
  }
});

cliTest('PostgreSQL (DATABASE_URL): ordo run --json', async () => {
  const db = await usePostgres();
  const box = sandbox(HELLO, { DATABASE_URL: db.url });
  try {
    await checkSucceedingRun(box);
    assert.equal(existsSync(join(box.home, 'ordo.db')), false, 'with DATABASE_URL no SQLite file is made');
  } finally {
    box.cleanup();
    await db.release();
  }
});

describe('the ordo command line', { concurrency: 4 }, () => {
  for (const c of CASES) test(c.name, c.todo === undefined ? {} : { todo: c.todo }, c.fn);
});
