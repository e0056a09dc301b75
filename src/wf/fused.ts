/**
 * The common steps as one SQL statement, where the backend can modify data inside WITH (probed once:
 * PostgreSQL can, SQLite cannot). One statement is one atomic transaction and one round trip, instead of
 * BEGIN, four or five statements and COMMIT: a plain step (no effect), a step that calls an action (the
 * task created, and claimed for an in-process worker), and a step that takes an in-process worker's
 * result (the task ended with it), and the end of a run that touches only its own rows (no parent, no lock,
 * event or child steps). The rows written are exactly those of the general path (step-tx.ts); anything else
 * (an inbox to read, an effect with more rows, an end that tells a parent or releases locks) takes it.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../lang/json.js';
import type { Event } from '../lang/vm/effects.js';
import type { SqlValue } from '../store/port.js';
import type { DirectResult, LiveRun } from './live.js';
import type { Notes } from './serve.js';
import { planStep, runValues, stepped, stepValues } from './plan.js';
import type { StepEnv } from './step-tx.js';
import { errorOf, taskOfCookie, type ClaimedTask } from './tasks.js';
import { featuresOf } from './features.js';
import { formatRunId } from './types.js';
import { canFuse } from './can-fuse.js';

export type FusedOutcome = 'stepped' | 'stale' | 'fallback';

/** JSON text with `{"task":<id>,` before `rest`, so the database fills in the id of a row it creates. */
function withTaskId(rest: JsonObject): [string, string] {
  return ['{"task":', `,${JSON.stringify(rest).slice(1)}`];
}

export async function tryFused(env: StepEnv, run: LiveRun, notes: Notes, direct: DirectResult | null): Promise<FusedOutcome> {
  const now = env.now();
  const overdue = run.deadlineAt !== null && now >= run.deadlineAt;
  if (overdue || run.checkInbox || !(await canFuse(env.db))) return 'fallback';
  let event: Event | undefined;
  const key = direct ? taskOfCookie(direct.cookie) : null;
  if (direct && key) {
    const error = errorOf(direct.outargs);
    event = error ? { kind: 'action_failed', error } : { kind: 'action_done', output: direct.outargs };
  } else if (run.state.status !== 'running') return 'fallback';
  // A plain step followed at once by the run's end (a result taken, then the end) is one statement too.
  const steps = [planStep(run, event, now)];
  const first = steps[0]!;
  if (first.next.status === 'running' && !first.effect) {
    const at: LiveRun = { ...run };
    stepped(at, { state: first.next, stepNo: first.stepNo, wakeAt: first.wakeAt });
    const end = planStep(at, undefined, now);
    if (end.ended) steps.push(end);
  }
  const plan = steps[steps.length - 1]!;
  const effect = plan.effect;
  // The end's own effect (done, failed) needs no rows beyond those of the end.
  if (effect && effect.kind !== 'call_action' && !plan.ended) return 'fallback';
  // The end of a run fuses when it touches nothing but its own rows: no parent to tell, and a program without
  // lock, event or child steps (see features.ts); anything else ends on the general path (step-tx.ts endRun).
  const can = featuresOf(run.program);
  if (plan.ended && (run.parentId !== null || can.locks || can.events || can.children)) return 'fallback';

  // Each fragment keeps its own parameters, so that they are joined in the order of the text.
  type Frag = { sql: string; params: SqlValue[] };
  let current: SqlValue[] = [];
  const p = (v: SqlValue, type: 'BIGINT' | 'INTEGER' | 'TEXT'): string => {
    current.push(v);
    return `CAST(? AS ${type})`;
  };
  const frag = (build: () => string): Frag => {
    current = [];
    const sql = build();
    return { sql, params: current };
  };
  const ctes: Frag[] = [];
  const events: Frag[] = [];
  const [sts, st, ss, sw, sat, revs, supd, sout, serr, send] = runValues(plan, now, steps.length);
  ctes.push(frag(() => `u AS (UPDATE wf_runs SET status = ${p(sts ?? null, 'TEXT')}, state = ${p(st ?? null, 'TEXT')}, step = ${p(ss ?? null, 'INTEGER')}, ` +
    `wait_step = ${p(sw ?? null, 'INTEGER')}, wake_at = ${p(sat ?? null, 'BIGINT')}, rev = rev + ${p(revs ?? 1, 'INTEGER')}, updated_at = ${p(supd ?? null, 'BIGINT')}, ` +
    `output = ${p(sout ?? null, 'TEXT')}, error = ${p(serr ?? null, 'TEXT')}, ended_at = ${p(send ?? null, 'BIGINT')} ` +
    `WHERE id = ${p(run.id, 'BIGINT')} AND rev = ${p(run.rev, 'INTEGER')} AND owner = ${p(env.owner, 'TEXT')} RETURNING id)`));
  ctes.push(frag(() => 's AS (INSERT INTO wf_steps (run_id, step, at, pc, op, event, effect, status) ' + steps.map((one) => {
    const [vstep, vat, vpc, vop, vev, veff, vstatus] = stepValues(one, now);
    return `SELECT id, ${p(vstep ?? null, 'INTEGER')}, ${p(vat ?? null, 'BIGINT')}, ${p(vpc ?? null, 'INTEGER')}, ${p(vop ?? null, 'TEXT')}, ` +
      `${p(vev ?? null, 'TEXT')}, ${p(veff ?? null, 'TEXT')}, ${p(vstatus ?? null, 'TEXT')} FROM u`;
  }).join(' UNION ALL ') + ')'));

  if (direct && key && event) {
    const failed = event.kind === 'action_failed';
    const error = event.kind === 'action_failed' ? event.error : null;
    const attempt = Number(direct.cookie.split('.')[2]);
    const action = run.state.pending?.effect.kind === 'call_action' ? run.state.pending.effect.action : '';
    ctes.push(frag(() => `r AS (UPDATE wf_tasks SET state = ${p(failed ? 'failed' : 'done', 'TEXT')}, output = ${p(failed ? null : JSON.stringify(direct.outargs), 'TEXT')}, ` +
      `error = ${p(error ? JSON.stringify(error) : null, 'TEXT')}, ended_at = ${p(now, 'BIGINT')}, deadline = NULL ` +
      `WHERE run_id = ${p(key.runId, 'BIGINT')} AND step = ${p(key.step, 'INTEGER')} AND cookie = ${p(direct.cookie, 'TEXT')} AND state = 'claimed' RETURNING id)`));
    const rest: JsonObject = { step: key.step, action, attempt, ...(error ? { error: error as JsonObject } : {}) };
    const [pre, post] = withTaskId(rest);
    events.push(frag(() => `SELECT 1 AS ord, ${p(failed ? 'wf_task_failed' : 'wf_task_done', 'TEXT')} AS kind, ${p(pre, 'TEXT')} || CAST(r.id AS TEXT) || ${p(post, 'TEXT')} AS data FROM r`));
  }
  if (plan.ended) {
    // As endRun: its unfinished tasks cancelled (a late result is then refused), its inbox emptied, the end event.
    // Not the task `r` ends in this statement: a row changed by two parts of one statement changes only once.
    const notTaken = direct && key ? ' AND id NOT IN (SELECT id FROM r)' : '';
    ctes.push(frag(() => `c AS (UPDATE wf_tasks SET state = 'cancelled', ended_at = ${p(now, 'BIGINT')} ` +
      `WHERE run_id IN (SELECT id FROM u) AND state IN ('ready', 'claimed')${notTaken} RETURNING id)`));
    ctes.push(frag(() => 'i AS (DELETE FROM wf_inbox WHERE run_id IN (SELECT id FROM u) RETURNING id)'));
    const done = plan.next.status === 'done';
    const data: JsonObject = done ? { output: plan.next.output ?? {} } : { error: (plan.next.error ?? null) as JsonObject | null };
    events.push(frag(() => `SELECT 4 AS ord, ${p(done ? 'wf_run_done' : 'wf_run_failed', 'TEXT')} AS kind, ${p(JSON.stringify(data), 'TEXT')} AS data FROM u`));
  }

  let claimFor: string | undefined;
  let cookie: string | null = null;
  let deadline: number | null = null;
  if (effect?.kind === 'call_action') {
    const def = await env.catalog.action(effect.action);
    const local = env.reserve?.(effect.action);
    if (local) notes.reserved.push({ worker: local, action: effect.action });
    claimFor = local?.name;
    const c = def?.config;
    const timeoutMs = c?.timeout == null ? null : Math.round(c.timeout * 1000);
    cookie = claimFor ? `${run.id}.${plan.stepNo}.1.${randomBytes(6).toString('hex')}` : null;
    deadline = claimFor && timeoutMs !== null ? now + timeoutMs : null;
    ctes.push(frag(() => 't AS (INSERT INTO wf_tasks (run_id, step, workflow, action, input, state, attempts, max_tries, retry_ms, timeout_ms, retryable, ' +
      `not_before, cookie, worker, deadline, created_at, claimed_at) SELECT id, ${p(plan.stepNo, 'INTEGER')}, ${p(run.program.name, 'TEXT')}, ` +
      `${p(effect.action, 'TEXT')}, ${p(JSON.stringify(effect.input), 'TEXT')}, ${p(claimFor ? 'claimed' : 'ready', 'TEXT')}, ${p(claimFor ? 1 : 0, 'INTEGER')}, ` +
      `${p(c?.retry.tries ?? 1, 'INTEGER')}, ${p(Math.round((c?.retry.interval ?? 0) * 1000), 'BIGINT')}, ${p(timeoutMs, 'BIGINT')}, ` +
      `${p(c?.retryable === false ? 0 : 1, 'INTEGER')}, ${p(now, 'BIGINT')}, ${p(cookie, 'TEXT')}, ${p(claimFor ?? null, 'TEXT')}, ${p(deadline, 'BIGINT')}, ` +
      `${p(now, 'BIGINT')}, ${p(claimFor ? now : null, 'BIGINT')} FROM u ON CONFLICT (run_id, step) DO NOTHING RETURNING id)`));
    if (claimFor) {
      const [pre, post] = withTaskId({ step: plan.stepNo, action: effect.action, attempt: 1, worker: claimFor });
      events.push(frag(() => `SELECT 3 AS ord, ${p('wf_task_claimed', 'TEXT')} AS kind, ${p(pre, 'TEXT')} || CAST(t.id AS TEXT) || ${p(post, 'TEXT')} AS data FROM t`));
    }
  }
  if (events.length > 0) {
    const head = frag(() => `ev AS (INSERT INTO events (at, run_id, kind, data, wf_run_id) SELECT ${p(now, 'BIGINT')}, NULL, kind, data, ${p(run.id, 'BIGINT')} FROM (`);
    ctes.push({ sql: `${head.sql}${events.map((e) => e.sql).join(' UNION ALL ')}) x ORDER BY ord)`, params: [...head.params, ...events.flatMap((e) => e.params)] });
  }
  // With a worker's result, the run and the task change together or not at all: 1/0 aborts the statement.
  const check = direct ? ', 1 / ((SELECT COUNT(*) FROM u) * (SELECT COUNT(*) FROM r)) AS ok' : '';
  const task = effect?.kind === 'call_action' ? ', (SELECT id FROM t) AS t' : '';
  let row: Record<string, unknown> | undefined;
  try {
    [row] = await env.db.query(`WITH ${ctes.map((c) => c.sql).join(', ')} SELECT (SELECT COUNT(*) FROM u) AS u${check}${task}`, ctes.flatMap((c) => c.params));
  } catch (err) {
    notes.rolledBack();
    if (direct && (err as { code?: string }).code === '22012') return 'fallback';
    throw err;
  }
  if (Number(row?.u ?? 0) === 0) {
    notes.rolledBack();
    return 'stale';
  }
  if (effect?.kind === 'call_action') {
    const taskId = row?.t == null ? null : Number(row.t);
    const local = notes.reserved[notes.reserved.length - 1]?.worker;
    if (taskId !== null && claimFor && local && cookie) {
      const claimed: ClaimedTask = {
        taskId, runId: run.id, step: plan.stepNo, action: effect.action, cookie, input: effect.input, attempt: 1, deadline,
        env: { run: formatRunId(run.id), workflow: run.program.name, step: plan.stepNo, action: effect.action, attempt: 1 },
      };
      notes.deliveries.push({ worker: local, task: claimed });
    } else if (!claimFor) notes.tasksFor.add(effect.action);
  }
  direct?.settle(true, event?.kind === 'action_failed' ? 'failed' : 'done');
  stepped(run, { state: plan.next, stepNo: plan.stepNo, wakeAt: plan.wakeAt }, steps.length);
  return 'stepped';
}
