/**
 * The web console in a real browser (Debian's chromium driven by playwright-core) against a real server on
 * SQLite: log in per role, a run going green live, a restart from the run page, a bulk skip of 3 jobs in
 * one transaction, DAG and Gantt element counts, the admin page and calls an operator may not make, CSRF,
 * a demotion taking effect on a live session, a running job (live log, why, Gantt forecast and deadline,
 * kill, disable/enable), the Resources page (gates, connectors and their usage, locks and holders, a host with
 * its agent), Schedules (next fires, pause/resume, backfill, a month with its holidays), Workflows (catalog
 * with a remote worker, a run's trace, children and variables), History (a job's chart and success rate, the
 * live event log), Admin (users, roles, tokens), and the open time of a 2,000-job run's page (printed, never
 * asserted). With ORDO_SCREENSHOTS=DIR the main pages are saved there as PNG files (docs/img/console).
 * One server and one browser for the whole file. Skipped when no chromium is installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONSOLE_DIR } from '../src/api/routes/console.js';
import { openSocket, rpcClient, startTestServer, waitFor, type TestServer, type TestSocket } from './api/support.js';
import { tempDir } from './support/tmp.js';

function chromiumPath(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const executablePath = chromiumPath();
const skip = !executablePath ? 'no chromium on PATH' : !existsSync(join(CONSOLE_DIR, 'index.html')) ? 'the console is not built' : false;
const shots = process.env.ORDO_SCREENSHOTS;
const BIG = 2000;

/** 2,000 jobs in 40 layers of 50, each waiting on two jobs of the layer before. */
function bigFlow(): string {
  const lines = ['flow: big', 'jobs:'];
  for (let i = 0; i < BIG; i++) {
    const layer = Math.floor(i / 50);
    const deps = layer === 0 ? '' : `, after: [j${(layer - 1) * 50 + (i % 50)}, j${(layer - 1) * 50 + ((i + 1) % 50)}]`;
    lines.push(`  j${i}: { kind: noop${deps} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** This month (UTC, as the page computes it): the calendar gets a holiday in it. */
const MONTH = new Date().toISOString().slice(0, 7);
/** A deadline two minutes after the file is loaded: the Gantt draws it beside the running job. */
const DEADLINE = new Date(Date.now() + 120_000).toISOString().replace(/\.\d+Z$/, 'Z');

const SETTINGS = `maxParallel: 8
environment: prod
gates:
  eod: {}
connectors:
  dwh: { maxParallel: 2 }
hosts:
  db1: { labels: { role: db }, slots: 2 }
calendars:
  cz:
    zone: Europe/Prague
    holidays:
      fixed: ["12-24", "12-25", "12-26"]
      dates: { "${MONTH}-15": Console day }
plans:
  eod: { calendar: cz, workingDays: true, at: "18:30", description: end of the banking day }
`;

const tmp = tempDir('ordo-console-');
const flag = join(tmp.path, 'check-ran-once');
let server: TestServer;
let browser: Browser;
let page: Page;
/** The run of flow slow, started for the Resources page and watched on its run page. */
let slowRun = 0;
/** A fake agent of host db1 and a remote worker of the action geocode: WebSockets opened by the tests that need them. */
const sockets: TestSocket[] = [];

/** Opens a WebSocket with the operator's token and makes one JSON-RPC call on it (the agent's hello, a worker's announce). */
async function socketCalling(method: string, params: Record<string, unknown>): Promise<void> {
  const socket = await openSocket(server.url, server.tokens.operator);
  sockets.push(socket);
  socket.send({ jsonrpc: '2.0', id: 1, method, params });
  const answer = await socket.next((m) => m.id === 1, `the answer to ${method}`);
  assert.ok(!answer.error, JSON.stringify(answer));
}
const PASSWORD = 'correct horse battery';

async function rpc<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  return (await rpcClient(server.url, server.tokens.superuser).request(method, params)) as T;
}

/** Logs in as a user (with PASSWORD) or with an API token. */
async function logIn(who: string | { token: string }): Promise<void> {
  await page.goto(server.url);
  // The shell asks who the cookie stands for first: wait for its answer, the login form or a session.
  await page.locator('input[name=user], [data-testid=me]').first().waitFor();
  if (await page.getByRole('button', { name: 'Log out' }).count()) await page.getByRole('button', { name: 'Log out' }).click();
  if (typeof who === 'string') {
    await page.locator('input[name=user]').fill(who);
    await page.locator('input[name=password]').fill(PASSWORD);
  } else {
    await page.locator('input[name=token]').fill(who.token);
  }
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('me').waitFor();
}

/** What the page's own session may call: a JSON-RPC call from the page, with or without its CSRF token. */
async function callFromPage(method: string, withCsrf = true): Promise<{ status: number; body: { result?: unknown; error?: { data?: { code?: string } } } }> {
  type Answer = { status: number; body: { result?: unknown; error?: { data?: { code?: string } } } };
  return page.evaluate(async ([m, csrfToo]): Promise<Answer> => {
    const s = (await (await fetch('/auth/session')).json()) as { csrf: string };
    const res = await fetch('/rpc', {
      method: 'POST', headers: { 'content-type': 'application/json', ...(csrfToo ? { 'x-ordo-csrf': s.csrf } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: m, params: {} }),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  }, [method, withCsrf] as const);
}

async function shot(name: string): Promise<void> {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

before(async () => {
  if (skip) return;
  server = await startTestServer({
    files: {
      'ordo.yaml': SETTINGS,
      // The demo: a small backup-like chain whose check fails the first time only.
      'flows/demo.yaml': [
        'flow: demo', 'jobs:',
        '  extract: { command: [sh, -c, "echo extracting; sleep 0.3"] }',
        '  transform: { command: [sh, -c, "echo transforming"], after: [extract] }',
        '  load: { command: [sh, -c, "echo loading"], after: [transform] }',
        `  check: { command: [sh, -c, "if [ -e '${flag}' ]; then echo fine; else touch '${flag}'; echo broken >&2; exit 3; fi"], after: [load] }`,
        '  report: { kind: noop, after: [check] }', '',
      ].join('\n'),
      'flows/held.yaml': 'flow: held\njobs:\n  first: { kind: noop }\n' +
        [1, 2, 3, 4].map((i) => `  h${i}: { kind: noop, after: [first], locks: [{ name: eod, mode: shared }] }\n`).join(''),
      'flows/big.yaml': bigFlow(),
      // A job that runs a while, holding a connector and a lock, with a deadline; and a scheduled flow.
      'flows/slow.yaml': [
        'flow: slow', 'jobs:',
        `  sleepy: { command: [sh, -c, "echo started; sleep 60"], connector: dwh, locks: [{ name: tables, mode: exclusive }], deadline: "${DEADLINE}" }`,
        '  after1: { kind: noop, after: [sleepy] }', '',
      ].join('\n'),
      'flows/nightly.yaml': 'flow: nightly\nparams:\n  business_date: { type: string }\ntriggers:\n  - plan: eod\njobs:\n  n: { kind: noop }\n',
      // Workflows: main calls the child workflow inc, which calls the command action add; geocode has a remote worker.
      'package.json': '{"type": "commonjs"}',
      'scripts/add.js': "const fs = require('node:fs'); const i = JSON.parse(fs.readFileSync(process.env.ORDO_INPUT, 'utf8'));\n" +
        "fs.writeFileSync(process.env.ORDO_RESULT, JSON.stringify({ counter: i.counter + 1 }));\n",
      'add.ac': "action add:\n  in:\n    counter number\n  out:\n    counter number\n  config:\n    command = 'node scripts/add.js'\n",
      'geocode.ac': 'action geocode:\n  in:\n    address string\n  out:\n    lat number\n',
      'inc.wf': 'workflow inc:\n  in:\n    x number\n  out:\n    y number\n  wfomap:\n    y = v.y\n  do:\n    call add:\n      counter = a.x\n    into:\n      y = o.counter\n',
      'main.wf': 'workflow main:\n  out:\n    r number\n  wfomap:\n    r = v.r\n  do:\n    call inc:\n      x = 41\n    into:\n      r = o.y\n',
    },
  });
  for (const [name, role] of [['olga', 'operator'], ['ada', 'admin'], ['ursula', 'user']] as const) {
    await rpc('users.add', { name, role, password: PASSWORD });
  }
  browser = await chromium.launch({ executablePath: executablePath!, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', (d) => void d.accept());
});

after(async () => {
  for (const socket of sockets) await socket.close();
  await browser?.close();
  await server?.close();
  tmp.cleanup();
});

test('the console: roles, live run, restart, bulk skip, DAG and Gantt, every page, admin, CSRF, demotion, a 2,000-job run', { skip, timeout: 400_000 }, async (t) => {
  await t.test('a browser gets the console at / and on client routes; other clients the API index', async () => {
    const html = await fetch(`${server.url}/runs/1`, { headers: { accept: 'text/html' } });
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.match(await html.text(), /<div id="root">/);
    const index = (await (await fetch(`${server.url}/`)).json()) as { name: string };
    assert.equal(index.name, 'ordo');
    const api = await fetch(`${server.url}/api/nothing`, { headers: { accept: 'text/html' } });
    assert.equal(api.status, 404);
  });

  await t.test('a wrong password is refused; the operator logs in and sees the prod banner, no Admin', async () => {
    await page.goto(server.url);
    await page.locator('input[name=user]').fill('olga');
    await page.locator('input[name=password]').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /wrong user name or password/);
    await logIn('olga');
    const banner = page.getByTestId('env-banner');
    assert.match(await banner.innerText(), /prod/i);
    assert.equal(await banner.evaluate((el) => (el as unknown as { style: { background: string } }).style.background), 'rgb(198, 40, 40)', 'prod is red by default');
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'ordo_session');
    assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(session?.sameSite, 'Strict');
  });

  await t.test('the demo flow goes green live, a failed job is restarted from the run page', async () => {
    await page.getByLabel('flow to start').selectOption('demo');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    const node = (job: string) => page.locator(`[data-testid=dag] g.node[data-job="${job}"]`);
    // Live colours come from the feed: no reload between these.
    for (const job of ['extract', 'transform', 'load']) await node(job).and(page.locator('[data-state=succeeded]')).waitFor({ timeout: 30_000 });
    await node('check').and(page.locator('[data-state=failed]')).waitFor({ timeout: 30_000 });
    await page.getByTestId('run-state').and(page.locator(':text("failed")')).waitFor();
    assert.equal(await page.locator('[data-testid=dag] g.node').count(), 5);
    assert.equal(await page.locator('[data-testid=dag] polyline.edge').count(), 4);
    await node('check').click();
    await page.getByTestId('log').and(page.locator(':text("broken")')).waitFor();
    await shot('run-failed');
    await page.getByRole('button', { name: 'Restart failed' }).click();
    await node('check').and(page.locator('[data-state=succeeded]')).waitFor({ timeout: 30_000 });
    await node('report').and(page.locator('[data-state=succeeded]')).waitFor({ timeout: 30_000 });
    await page.getByTestId('run-state').and(page.locator(':text("succeeded")')).waitFor({ timeout: 30_000 });
    await shot('run-dag');
    // The Gantt: one bar per attempt (check ran twice), the critical path ending at report.
    await page.getByRole('button', { name: 'Gantt' }).click();
    await waitFor('the Gantt shows 6 attempts', async () => (await page.locator('[data-testid=gantt] rect.bar').count()) === 6 || undefined);
    assert.equal(await page.locator('[data-testid=gantt] g[data-job]').count(), 5);
    assert.ok(await page.locator('[data-testid=gantt] g.critical[data-job=report]').count());
    assert.ok(await page.locator('[data-testid=gantt] g.critical[data-job=check]').count());
    await shot('run-gantt');
    await page.goto(`${server.url}/runs`);
    await page.locator('[data-testid=runs] tr[data-state=succeeded]').first().waitFor();
  });

  await t.test('a bulk skip of 3 jobs is one action in one transaction', async () => {
    const { run } = await rpc<{ run: number }>('runs.start', { flow: 'held' });
    await page.goto(`${server.url}/runs/${run}`);
    const node = (job: string) => page.locator(`[data-testid=dag] g.node[data-job="${job}"]`);
    await node('first').and(page.locator('[data-state=succeeded]')).waitFor({ timeout: 30_000 });
    for (const job of ['h1', 'h2', 'h3']) await node(job).click({ modifiers: ['Control'] });
    assert.match(await page.getByTestId('bulk').innerText(), /3 selected/);
    await page.getByLabel('bulk action').selectOption('skip');
    await page.getByRole('button', { name: 'Apply…' }).click();
    const dialog = page.getByTestId('bulk-confirm');
    assert.equal(await dialog.locator('li').count(), 3);
    assert.match(await dialog.innerText(), /h1: \w+ → skipped when runnable/);
    await shot('bulk-confirm');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await waitFor('the bulk skip is recorded', async () => {
      const events = await rpc<Array<{ kind: string; job: string; at: number; data: { actor?: string } }>>('runs.events', { run });
      const skips = events.filter((e) => e.kind === 'skip_requested');
      return skips.length === 3 ? skips : undefined;
    }).then((skips) => {
      assert.deepEqual(skips.map((s) => s.job).sort(), ['h1', 'h2', 'h3']);
      assert.equal(new Set(skips.map((s) => s.at)).size, 1, 'one action, one instant');
      assert.ok(skips.every((s) => s.data.actor === 'olga'));
    });
    // All or nothing: one job that cannot be skipped refuses the whole call.
    await assert.rejects(rpc('runs.bulk', { run, action: 'skip', jobs: ['h4', 'first'] }), /already ended/);
    const { tasks } = await rpc<{ tasks: Array<{ job: string; skipRequested: boolean }> }>('runs.get', { run });
    assert.equal(tasks.find((x) => x.job === 'h4')?.skipRequested, false);
    await rpc('gates.open', { name: 'eod' });
    await waitFor('the skipped jobs end skipped', async () => {
      const d = await rpc<{ tasks: Array<{ job: string; state: string }> }>('runs.get', { run });
      return d.tasks.filter((x) => x.state === 'skipped').length === 3 || undefined;
    });
  });

  await t.test('an operator cannot see the admin page and the server refuses its admin calls; CSRF is required', async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByTestId('no-access').waitFor();
    const refused = await callFromPage('users.list');
    assert.equal(refused.body.error?.data?.code, 'ORDO_FORBIDDEN');
    const allowed = await callFromPage('runs.list');
    assert.ok(Array.isArray(allowed.body.result));
    const noCsrf = await callFromPage('runs.list', false);
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.body.error?.data?.code, 'ORDO_FORBIDDEN');
  });

  await t.test('a demoted user loses its rights on its live session at once', async () => {
    await rpc('users.add', { name: 'olga', role: 'user', replace: true });
    const refused = await callFromPage('settings.set');
    assert.equal(refused.body.error?.data?.code, 'ORDO_FORBIDDEN');
    await page.reload();
    assert.match(await page.getByTestId('me').innerText(), /\(user\)/);
    assert.equal(await page.getByRole('button', { name: 'Start run' }).count(), 0);
    await rpc('users.add', { name: 'olga', role: 'operator', replace: true });
  });

  await t.test('resources: connector usage, lock holders, gate close/open, connector block/unblock, host drain/resume', async () => {
    await socketCalling('agent.hello', { name: 'db1', version: 'test', attempts: [] });
    const { run } = await rpc<{ run: number }>('runs.start', { flow: 'slow' });
    slowRun = run;
    await page.goto(`${server.url}/resources`);
    const dwh = page.locator('[data-testid=connectors] tr[data-resource="connector:dwh"]');
    await dwh.and(page.locator('[data-used="1"]')).waitFor({ timeout: 30_000 });
    assert.match(await dwh.innerText(), /1 \/ 2/);
    assert.match(await dwh.innerText(), new RegExp(`run ${run} sleepy \\(shared\\)`));
    const lock = page.locator('[data-testid=locks] tr[data-resource="lock:tables"]');
    assert.match(await lock.innerText(), new RegExp(`run ${run} sleepy \\(exclusive\\)`));
    const host = page.locator('[data-testid=hosts] tr[data-host=db1]');
    await host.and(page.locator('[data-state=up]')).waitFor();
    assert.match(await host.innerText(), /agent/);
    await shot('resources');
    const gate = page.locator('[data-testid=gates] tr[data-resource="lock:eod"]');
    await gate.getByRole('button', { name: 'Close' }).click();
    await gate.and(page.locator('[data-closed=true]')).waitFor();
    await gate.getByRole('button', { name: 'Open' }).click();
    await gate.and(page.locator('[data-closed=false]')).waitFor();
    await dwh.getByRole('button', { name: 'Block' }).click();
    await dwh.getByRole('button', { name: 'Unblock' }).waitFor();
    assert.match(await dwh.innerText(), /blocked/);
    await dwh.getByRole('button', { name: 'Unblock' }).click();
    await dwh.getByRole('button', { name: 'Block' }).waitFor();
    await host.getByRole('button', { name: 'Drain' }).click();
    await host.and(page.locator('[data-state=draining]')).waitFor();
    await host.getByRole('button', { name: 'Resume' }).click();
    await host.and(page.locator('[data-state=up]')).waitFor();
    const events = await rpc<Array<{ kind: string; data: { actor?: string } }>>('events.list', { limit: 100 });
    assert.ok(events.some((e) => e.kind === 'resource_closed' || e.kind === 'gate_closed' || /close/.test(e.kind)), 'the close is in the event log');
  });

  await t.test('a running job: live log tail, why, Gantt forecast and deadline; kill; disable and enable', async () => {
    await page.goto(`${server.url}/runs/${slowRun}`);
    const node = (job: string) => page.locator(`[data-testid=dag] g.node[data-job="${job}"]`);
    await node('sleepy').and(page.locator('[data-state=running]')).waitFor({ timeout: 30_000 });
    await node('after1').click();
    await page.getByTestId('why').and(page.locator(':text("sleepy")')).waitFor();
    await node('sleepy').click();
    await page.getByTestId('log').and(page.locator(':text("started")')).waitFor();
    await page.getByRole('button', { name: 'Gantt' }).click();
    await page.locator('[data-testid=gantt] [data-testid=forecast-end]').waitFor();
    assert.equal(await page.locator('[data-testid=gantt] g[data-job=sleepy] line.deadline').count(), 1, 'the deadline is drawn');
    await shot('run-running');
    await page.getByRole('button', { name: 'Graph' }).click();
    await page.getByTestId('job-panel').getByRole('button', { name: 'Kill' }).click();
    await node('sleepy').and(page.locator('[data-state=aborted]')).waitFor({ timeout: 30_000 });
    await node('after1').click();
    await page.getByTestId('job-panel').getByRole('button', { name: 'Disable' }).click();
    await node('after1').and(page.locator('[data-enabled=false]')).waitFor();
    await page.getByTestId('job-panel').getByRole('button', { name: 'Enable' }).click();
    await node('after1').and(page.locator('[data-enabled=true]')).waitFor();
    const events = await rpc<Array<{ kind: string; job: string | null; data: { actor?: string } }>>('runs.events', { run: slowRun });
    assert.ok(events.some((e) => e.kind === 'abort_requested' && e.job === 'sleepy' && e.data.actor === 'olga'), JSON.stringify(events.map((e) => e.kind)));
  });

  await t.test('schedules and plans: next fires, pause and resume, a month with its holidays, backfill', async () => {
    await page.getByRole('link', { name: 'Schedules' }).click();
    const row = page.locator('[data-testid=schedules] tr[data-flow=nightly]');
    await row.waitFor();
    await waitFor('three next fires', async () => (await row.locator('td.fires div').count()) === 3 || undefined);
    assert.match(await row.innerText(), /plan eod|eod/);
    await page.locator('[data-testid=plans] tr[data-plan=eod]').waitFor();
    assert.match(await page.locator('[data-testid=plans] tr[data-plan=eod]').innerText(), /cz\s+nightly/);
    await page.getByTestId('holidays').getByText('Console day').waitFor();
    assert.match(await page.locator(`[data-testid=calendar] span[data-date="${MONTH}-15"]`).getAttribute('class') ?? '', /holiday/);
    assert.ok(await page.locator('[data-testid=calendar] span.fire').count() > 0, 'the days the plan fires are marked');
    await shot('schedules');
    const label = await page.getByTestId('month').innerText();
    await page.getByRole('button', { name: 'next month' }).click();
    await waitFor('the next month', async () => (await page.getByTestId('month').innerText()) !== label || undefined);
    await page.getByRole('button', { name: 'previous month' }).click();
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.and(page.locator('[data-paused=true]')).waitFor();
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.and(page.locator('[data-paused=false]')).waitFor();
    await page.getByLabel('backfill flow').selectOption('nightly');
    await page.getByLabel('backfill from').fill('2026-01-05');
    await page.getByLabel('backfill to').fill('2026-01-06');
    await page.getByRole('button', { name: 'Backfill', exact: true }).click();
    await page.getByTestId('notice').and(page.locator(':text("2 run(s) queued")')).waitFor();
  });

  await t.test("workflows: the catalog with a remote worker, a run's trace, its child and variables", async () => {
    await socketCalling('announce', { actionname: 'geocode', workername: 'gis-1', slots: 2 });
    const [job] = await rpcClient(server.url, server.tokens.operator).request('create_job', { wfname: 'main', inargs: {} }) as [number];
    await waitFor('the workflow run ends', async () => {
      const r = await rpc<{ run: { status: string } }>('wf.get', { run: job });
      return r.run.status === 'done' || undefined;
    });
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.locator('[data-testid=wf-defs] tr[data-workflow=main]').waitFor();
    assert.equal(await page.locator('[data-testid=wf-defs] tr[data-workflow]').count(), 2);
    assert.match(await page.locator('[data-testid=wf-actions] tr[data-action=add]').innerText(), /command worker: node scripts\/add\.js/);
    assert.match(await page.locator('[data-testid=wf-actions] tr[data-action=geocode]').innerText(), /worker gis-1: 0 \/ 2 slots busy/);
    await page.locator(`[data-testid=wf-runs] tr[data-run=W${job}]`).click();
    await page.getByTestId('wf-trace').waitFor();
    assert.match(await page.getByTestId('wf-vars').innerText(), /"r": 42/);
    assert.equal(await page.getByTestId('wf-children').locator('li').count(), 1);
    assert.match(await page.getByTestId('wf-children').innerText(), /inc/);
    await shot('workflows');
    await page.getByTestId('wf-children').getByRole('link').click();
    await page.locator('[data-testid=wf-tasks] td', { hasText: 'add' }).waitFor();
  });

  await t.test("history: a job's durations and success rate; the event log grows live", async () => {
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByLabel('history flow').selectOption('demo');
    await page.getByLabel('history job').selectOption('check');
    await page.getByTestId('success-rate').and(page.locator(':text("success rate 50%")')).waitFor();
    assert.equal(await page.locator('[data-testid=duration-chart] rect.bar').count(), 2, 'one bar per attempt');
    await page.locator('[data-testid=events] tr').first().waitFor();
    const { run } = await rpc<{ run: number }>('runs.start', { flow: 'quick' });
    // No reload: the feed makes the page read the new events.
    await page.locator(`[data-testid=events] tr[data-kind=run_succeeded][data-run="${run}"]`).waitFor({ timeout: 30_000 });
    await shot('history');
  });

  await t.test('the admin: users and their roles, tokens created and revoked, the roles table; no operator rights; logout', async () => {
    await logIn('ada');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByTestId('users').locator('td', { hasText: 'olga' }).waitFor();
    // Roles: what each may do.
    assert.equal(await page.locator('[data-testid=roles] tr[data-role]').count(), 4);
    const operator = page.locator('[data-testid=roles] tr[data-role=operator]');
    assert.deepEqual(await operator.locator('td.yes').count(), 3, 'public, read, operate');
    // A new user, then a new role for it; a token created (its secret shown once) and revoked. An admin
    // grants no role beyond its own: operator (which may operate) is refused.
    await page.getByLabel('new user name').fill('zoe');
    await page.getByLabel('new user role').selectOption('operator');
    await page.getByLabel('new user password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('alert').and(page.locator(':text("may not")')).waitFor();
    await page.getByLabel('new user role').selectOption('user');
    await page.getByLabel('new user password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Add user' }).click();
    const zoe = page.locator('[data-testid=users] tr[data-user=zoe]');
    await zoe.waitFor();
    await zoe.getByLabel('role of zoe').selectOption('admin');
    await zoe.getByRole('button', { name: 'Save' }).click();
    await waitFor('zoe is an admin', async () => {
      const users = await rpc<Array<{ name: string; role: string }>>('users.list');
      return users.find((u) => u.name === 'zoe')?.role === 'admin' || undefined;
    });
    await page.getByLabel('token name').fill('ci-bot');
    await page.getByLabel('token role').selectOption('user');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('new-token').waitFor();
    const secret = (await page.getByTestId('new-token').locator('code').innerText()).trim();
    assert.equal((await rpcClient(server.url, secret).request('auth.whoami', {}) as { role: string }).role, 'user');
    await shot('admin');
    await page.locator('[data-testid=tokens] tr[data-token=ci-bot]').getByRole('button', { name: 'Revoke' }).click();
    await page.locator('[data-testid=tokens] tr[data-token=ci-bot]').waitFor({ state: 'detached' });
    const refused = await fetch(`${server.url}/api/runs`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(refused.status, 401, 'the revoked token is refused');
    // An admin may not operate: no start button, and the server refuses the call.
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.locator('[data-testid=runs] tr').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Start run' }).count(), 0);
    assert.equal((await callFromPage('settings.set')).body.error?.data?.code, 'ORDO_FORBIDDEN');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('input[name=user]').waitFor();
    // Logged out: the cookie is gone, the page is anonymous again.
    const gone = await callFromPage('runs.list');
    assert.equal(gone.body.error?.data?.code, 'ORDO_UNAUTHENTICATED');
  });

  await t.test("with an API token: a user's only reads (no actions shown, the server refuses them); a superuser sees all", async () => {
    await logIn({ token: server.tokens.user });
    assert.match(await page.getByTestId('me').innerText(), /\(user\)/);
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Start run' }).count(), 0);
    await page.goto(`${server.url}/runs/${slowRun}`);
    await page.locator('[data-testid=dag] g.node[data-job=sleepy]').click();
    await page.getByTestId('job-panel').waitFor();
    assert.equal(await page.getByTestId('job-panel').getByRole('button').count(), 0, 'no action for a reader');
    assert.equal(await page.getByTestId('bulk').count(), 0);
    assert.equal((await callFromPage('runs.list')).body.error, undefined);
    assert.equal((await callFromPage('gates.close')).body.error?.data?.code, 'ORDO_FORBIDDEN');
    await logIn({ token: server.tokens.superuser });
    assert.match(await page.getByTestId('me').innerText(), /\(superuser\)/);
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Start run' }).count(), 1);
  });

  await t.test(`a ${BIG}-job run's page opens (time printed, not asserted)`, async () => {
    await logIn('olga');
    const { run } = await rpc<{ run: number }>('runs.start', { flow: 'big' });
    await page.goto(`${server.url}/runs/${run}`);
    // Measured by the page itself: the ms from the start of the navigation (its time origin) to the first
    // frame in which the DAG has every job.
    const drawn = await page.waitForFunction((n) => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number } } }).document;
      const count = doc.querySelectorAll('[data-testid=dag] g.node').length;
      return count === n ? Math.round(performance.now()) : false;
    }, BIG, { polling: 'raf', timeout: 60_000 });
    const openMs = await drawn.jsonValue() as number;
    // Where the time went: the page's requests (start and end, ms since its navigation started).
    const requests = await page.evaluate(() => (globalThis as unknown as { performance: { getEntriesByType(t: string): Array<{ name: string; startTime: number; responseEnd: number }> } })
      .performance.getEntriesByType('resource').map((e) => `${e.name.replace(/^https?:\/\/[^/]+/, '')} ${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`).join(', '));
    t.diagnostic(`requests of the ${BIG}-job page: ${requests}`);
    // Responsive while it runs: a click on a job opens its panel.
    const clickStarted = performance.now();
    await page.locator('[data-testid=dag] g.node[data-job=j0]').click();
    await page.getByTestId('job-panel').waitFor();
    const clickMs = Math.round(performance.now() - clickStarted);
    await waitFor('the big run ends', async () => {
      const d = await rpc<{ run: { state: string } }>('runs.get', { run });
      return d.run.state === 'succeeded' || undefined;
    }, 120_000);
    await page.locator('[data-testid=dag] g.node[data-job=j1999][data-state=succeeded]').waitFor({ timeout: 60_000 });
    t.diagnostic(`${BIG}-job run page: DAG drawn ${openMs} ms after navigation; a job's panel ${clickMs} ms after a click`);
    console.log(`console: ${BIG}-job run page open ${openMs} ms, job panel ${clickMs} ms`);
    await shot('run-big');
  });

  await t.test('the runs list: live, filters, search, counts per state', async () => {
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.locator('[data-testid=runs] tr[data-run]').first().waitFor();
    const { run } = await rpc<{ run: number }>('runs.start', { flow: 'quick' });
    // No reload: the new run appears, then turns green.
    await page.locator(`[data-testid=runs] tr[data-run="${run}"][data-state=succeeded]`).waitFor({ timeout: 30_000 });
    await shot('runs');
    const all = await page.locator('[data-testid=runs] tr[data-run]').count();
    assert.match(await page.getByTestId('run-counts').innerText(), /failed 1/, 'the slow run failed: its job was killed');
    await page.getByLabel('state', { exact: true }).selectOption('failed');
    await waitFor('only failed runs', async () => (await page.locator('[data-testid=runs] tr[data-run]').count()) === 1 || undefined);
    assert.equal(await page.locator(`[data-testid=runs] tr[data-run="${slowRun}"][data-state=failed]`).count(), 1);
    await page.getByLabel('state', { exact: true }).selectOption('');
    await page.getByLabel('flow', { exact: true }).selectOption('nightly');
    await waitFor('the two backfilled runs', async () => (await page.locator('[data-testid=runs] tr[data-run]').count()) === 2 || undefined);
    await page.getByLabel('flow', { exact: true }).selectOption('');
    await page.getByPlaceholder('search').fill('2026-01-06');
    await waitFor('the run of that business date', async () => (await page.locator('[data-testid=runs] tr[data-run]').count()) === 1 || undefined);
    await page.getByPlaceholder('search').fill('');
    await waitFor('every run again', async () => (await page.locator('[data-testid=runs] tr[data-run]').count()) === all || undefined);
  });
});
