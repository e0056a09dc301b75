/**
 * The web console in a real browser (Debian's chromium driven by playwright-core) against a real server on
 * SQLite: log in per role, a run going green live, a restart from the run page, a bulk skip of 3 jobs in
 * one transaction, DAG and Gantt element counts, the admin page and calls an operator may not make, CSRF,
 * a demotion taking effect on a live session, and the open time of a 2,000-job run's page (printed, never
 * asserted). With ORDO_SCREENSHOTS=DIR the main pages are saved there as PNG files (docs/img).
 * One server and one browser for the whole file. Skipped when no chromium is installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONSOLE_DIR } from '../src/api/routes/console.js';
import { rpcClient, startTestServer, waitFor, type TestServer } from './api/support.js';
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

const tmp = tempDir('ordo-console-');
const flag = join(tmp.path, 'check-ran-once');
let server: TestServer;
let browser: Browser;
let page: Page;
const PASSWORD = 'correct horse battery';

async function rpc<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  return (await rpcClient(server.url, server.tokens.superuser).request(method, params)) as T;
}

async function logIn(user: string): Promise<void> {
  await page.goto(server.url);
  if (await page.getByRole('button', { name: 'Log out' }).count()) await page.getByRole('button', { name: 'Log out' }).click();
  await page.locator('input[name=user]').fill(user);
  await page.locator('input[name=password]').fill(PASSWORD);
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
      'ordo.yaml': 'maxParallel: 8\nenvironment: prod\ngates:\n  eod: {}\n',
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
    },
  });
  for (const [name, role] of [['olga', 'operator'], ['ada', 'admin'], ['ursula', 'user']] as const) {
    await rpc('users.add', { name, role, password: PASSWORD });
  }
  browser = await chromium.launch({ executablePath: executablePath!, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('dialog', (d) => void d.accept());
});

after(async () => {
  await browser?.close();
  await server?.close();
  tmp.cleanup();
});

test('the console: roles, live run, restart, bulk skip, DAG and Gantt, admin, CSRF, demotion, a 2,000-job run', { skip, timeout: 300_000 }, async (t) => {
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
    await shot('runs');
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

  await t.test('the admin sees users and tokens; resources and schedules render', async () => {
    await logIn('ada');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByTestId('users').locator('td', { hasText: 'olga' }).waitFor();
    await shot('admin');
    await page.getByRole('link', { name: 'Resources' }).click();
    await page.locator('[data-testid=resources] tr[data-resource]').first().waitFor();
    await shot('resources');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('input[name=user]').waitFor();
    // Logged out: the cookie is gone, the page is anonymous again.
    const gone = await callFromPage('runs.list');
    assert.equal(gone.body.error?.data?.code, 'ORDO_UNAUTHENTICATED');
  });

  await t.test(`a ${BIG}-job run's page opens (time printed, not asserted)`, async () => {
    await logIn('olga');
    const { run } = await rpc<{ run: number }>('runs.start', { flow: 'big' });
    const started = performance.now();
    await page.goto(`${server.url}/runs/${run}`);
    await waitFor(`the DAG shows ${BIG} jobs`, async () => (await page.locator('[data-testid=dag] g.node').count()) === BIG || undefined, 60_000);
    const openMs = Math.round(performance.now() - started);
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
  });
});
