/**
 * Workflow commands: `ordo compile`, `ordo call`, `ordo wf show|runs|resume`, `ordo vars`, `ordo set-var`,
 * `ordo cancel`, `ordo retry`. Workflow runs are named `W12` (flow runs are plain numbers).
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { MAX_DEPTH, shortPointer, tooDeep } from '../../depth.js';
import { OrdoError } from '../../errors.js';
import { suggest } from '../../suggest.js';
import type { CompileResult } from '../../lang/compile.js';
import { formatDiagnostic } from '../../lang/diagnostics.js';
import { isObject, type JsonObject } from '../../lang/json.js';
import type { CompiledWorkflow } from '../../lang/program.js';
import { isOwnerDead, newOwner } from '../../server/owner.js';
import type { OrdoStore } from '../../store/ordo-store.js';
import { openHost, type WfHost } from '../../wf/host.js';
import { parseAssignment, retryRun, setVar, varsOf } from '../../wf/operator.js';
import { compileProjectSources } from '../../wf/project.js';
import { WfStore } from '../../wf/store.js';
import { formatTrace } from '../../wf/trace.js';
import { formatRunId, isEnded, parseWfRunId, type RunEnd, type WfRunRow } from '../../wf/types.js';
import { action, projectDir, READ_ONLY, requireProject, stateDir, storeFor, type StoreAccess } from '../context.js';

interface DirOpts {
  dir?: string;
  json?: boolean;
}

interface HostOpts extends DirOpts {
  worker?: string[];
}

const LEASE_MS = 15_000;
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Compiles the project's workflow files, printing every diagnostic; refuses on errors. */
function compileOrFail(dir: string, files: readonly string[] = []): CompileResult {
  const result = compileProjectSources(dir, files);
  for (const d of result.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) throw new OrdoError('ORDO_INVALID_PROJECT', `${errors} error(s) in the project's workflow files`);
  return result;
}

/** A workflow engine and worker in this process; `compile`: register the project's files (their command actions run here). */
async function withHost<T>(opts: HostOpts, compile: boolean | CompileResult, fn: (host: WfHost, store: OrdoStore) => Promise<T>): Promise<T> {
  const dir = projectDir(opts);
  const compiled = compile === true ? compileOrFail(dir) : compile === false ? undefined : compile;
  const store = await storeFor(opts);
  let host: WfHost | undefined;
  try {
    host = await openHost({ store, projectDir: dir, stateDir: stateDir(opts), compiled, workerModules: opts.worker, owner: newOwner(), isOwnerDead });
    return await fn(host, store);
  } finally {
    await host?.close();
    await store.close();
  }
}

async function withStore<T>(opts: DirOpts, fn: (wf: WfStore) => Promise<T>, access: StoreAccess = {}): Promise<T> {
  const store = await storeFor(opts, access);
  try {
    return await fn(WfStore.of(store));
  } finally {
    await store.close();
  }
}

const withReadStore = <T>(opts: DirOpts, fn: (wf: WfStore) => Promise<T>): Promise<T> => withStore(opts, fn, READ_ONLY);

function ownerAlive(run: WfRunRow, now = Date.now()): boolean {
  return run.owner !== null && !isOwnerDead(run.owner) && run.heartbeatAt !== null && run.heartbeatAt >= now - LEASE_MS;
}

/** Waits for the run's end here; Ctrl-C cancels it (twice: leave at once). */
async function waitForEnd(host: WfHost, runId: number): Promise<RunEnd> {
  let interrupts = 0;
  const onSignal = (): void => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(`ordo: cancelling ${formatRunId(runId)} (Ctrl-C again to leave at once)\n`);
    void host.engine.cancel(runId, 'Ctrl-C').catch(() => {});
  };
  process.on('SIGINT', onSignal);
  try {
    return await host.engine.result(runId);
  } finally {
    process.off('SIGINT', onSignal);
  }
}

export function report(end: RunEnd, json: boolean | undefined): number {
  const run = formatRunId(end.runId);
  if (json) process.stdout.write(`${JSON.stringify({ run, state: end.status, output: end.output, error: end.error })}\n`);
  else if (end.status === 'done') process.stdout.write(`${run} done ${JSON.stringify(end.output)}\n`);
  else process.stdout.write(`${run} error ${JSON.stringify(end.error)}\n`);
  return end.status === 'done' ? 0 : 1;
}

/** Warns about actions the workflow may call that nothing in this process implements. */
function warnUnimplemented(compiled: CompileResult, workflow: string, implemented: Set<string>): void {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const program: CompiledWorkflow | undefined = compiled.workflows.get(name);
    for (const [callee, spec] of Object.entries(program?.callees ?? {})) {
      if (spec.kind === 'workflow') visit(callee);
      else if (!implemented.has(callee) && !seen.has(callee)) {
        seen.add(callee);
        process.stderr.write(`ordo: warning: action ${callee} has no command and no worker here; its tasks wait for a worker\n`);
      }
    }
  };
  visit(workflow);
}

export function parseInput(text: string | undefined): JsonObject {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `--input is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new OrdoError('ORDO_BAD_ARGUMENT', '--input must be a JSON object, e.g. \'{"input": 123}\'');
  const deep = tooDeep(value);
  if (deep !== undefined) throw new OrdoError('ORDO_BAD_ARGUMENT', `--input nests more than ${MAX_DEPTH} levels deep at ${shortPointer(deep)}`);
  return value;
}

/** `ordo wf show W12` (and `ordo show W12`): a workflow run and its step trace. */
export async function showWorkflowRun(runText: string, opts: DirOpts): Promise<void> {
  const id = parseWfRunId(runText);
  await withReadStore(opts, async (store) => {
    const run = await store.mustGetRun(id);
    const [steps, tasks, children, version] = await Promise.all([
      store.steps(id), store.tasks(id), store.listRuns({ parentId: id, limit: 1000 }), store.getVersion(run.versionId)]);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ run: { ...run, id: formatRunId(id) }, steps, tasks, children: children.map((c) => formatRunId(c.id)) })}\n`);
      return;
    }
    process.stdout.write(formatTrace({ run, version: version.version, program: version.body as CompiledWorkflow, steps, tasks, children: children.reverse() }));
  });
}

/** A line of `ordo wf runs` (local and against a server). */
export function wfRunLine(id: string, workflow: string, status: string, parent: string | null): string {
  return `${id.padEnd(8)} ${workflow.padEnd(24)} ${status.padEnd(8)} ${parent === null ? '' : `parent ${parent}`}\n`;
}

export function registerWorkflowCommands(program: Command): void {
  program.command('compile [files...]')
    .description('check workflow (.wf) and action (.ac) files and store them as versions; exit 2 on errors')
    .option('-d, --dir <dir>', 'project directory (files default to all .wf/.ac files in it)')
    .option('--check', 'only check; store nothing')
    .option('--json', 'print the diagnostics and stored versions as JSON')
    .action(action(async (files: string[], opts: DirOpts & { check?: boolean }) => {
      const dir = projectDir(opts);
      if (files.length === 0) requireProject(dir);
      const result = compileProjectSources(dir, files.map((f) => resolve(f)));
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      if (!opts.json) for (const d of result.diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
      if (errors > 0 || opts.check) {
        if (opts.json) process.stdout.write(`${JSON.stringify({ diagnostics: result.diagnostics, stored: [] })}\n`);
        else process.stderr.write(errors > 0 ? `${errors} error(s)\n` : `ok: ${result.workflows.size} workflow(s), ${result.actions.size} action(s)\n`);
        return errors > 0 ? 2 : 0;
      }
      const stored = await withHost(opts, false, (host) => host.engine.register(result));
      if (opts.json) process.stdout.write(`${JSON.stringify({ diagnostics: result.diagnostics, stored })}\n`);
      else for (const s of stored) process.stdout.write(`${s.kind} ${s.name} version ${s.version}${s.created ? ' (new)' : ''}\n`);
      return 0;
    }));

  program.command('call <workflow>')
    .description('run a workflow to its end in this process (command actions and --worker modules); exit 0 iff it finished without error')
    .option('-d, --dir <dir>', 'project directory')
    .option('--input <json>', 'the input, a JSON object', '{}')
    .option('--worker <module>', 'a JS module of in-process action handlers (repeatable)', collect)
    .option('--json', 'print {"run", "state", "output", "error"}')
    .action(action(async (workflow: string, opts: HostOpts & { input?: string }) => {
      const input = parseInput(opts.input);
      const dir = projectDir(opts);
      const compiled = compileOrFail(dir);
      if (!compiled.workflows.has(workflow)) {
        throw new OrdoError('ORDO_NOT_FOUND',
          `workflow ${workflow} is not defined${suggest(workflow, compiled.workflows.keys())} (workflows: ${[...compiled.workflows.keys()].sort().join(', ') || 'none'})`);
      }
      return withHost(opts, compiled, async (host) => {
        warnUnimplemented(compiled, workflow, host.implemented);
        const runId = await host.engine.start(workflow, input);
        if (!opts.json) process.stderr.write(`${formatRunId(runId)} started\n`);
        return report(await waitForEnd(host, runId), opts.json);
      });
    }));

  const wf = program.command('wf').description('workflow runs: show, runs, resume');
  wf.command('show <run>')
    .description("a workflow run and its step trace (the task log)")
    .option('-d, --dir <dir>', 'project directory')
    .option('--json', 'print JSON (run, steps, tasks, children)')
    .action(action(showWorkflowRun));

  wf.command('runs')
    .description('workflow runs, newest first')
    .option('-d, --dir <dir>', 'project directory')
    .option('--workflow <name>', 'only runs of this workflow')
    .option('--status <status>', 'only runs in this status (running|waiting|done|error)')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(action(async (opts: DirOpts & { workflow?: string; status?: string; limit: string }) => {
      await withReadStore(opts, async (store) => {
        const runs = await store.listRuns({ workflow: opts.workflow, statuses: opts.status ? [opts.status] : undefined, limit: Number(opts.limit) || 20 });
        if (opts.json) process.stdout.write(`${JSON.stringify(runs.map((r) => ({ ...r, state: undefined, id: formatRunId(r.id) })))}\n`);
        else for (const r of runs) process.stdout.write(wfRunLine(formatRunId(r.id), r.workflow, r.status, r.parentId === null ? null : formatRunId(r.parentId)));
      });
    }));

  wf.command('resume <run>')
    .description('drive an unfinished workflow run (after the process that ran it died) to its end here')
    .option('-d, --dir <dir>', 'project directory')
    .option('--worker <module>', 'a JS module of in-process action handlers (repeatable)', collect)
    .option('--json', 'print {"run", "state", "output", "error"}')
    .action(action(async (runText: string, opts: HostOpts) => {
      const id = parseWfRunId(runText);
      return withHost(opts, true, async (host) => {
        const run = await host.wf.mustGetRun(id);
        if (isEnded(run.status)) return report({ runId: id, status: run.status, output: run.output, error: run.error }, opts.json);
        if (ownerAlive(run)) throw new OrdoError('ORDO_CONFLICT', `${formatRunId(id)} is being driven by ${run.owner ?? '?'}`);
        if (!(await host.engine.adopt(id))) throw new OrdoError('ORDO_CONFLICT', `${formatRunId(id)} is being driven by another process`);
        return report(await waitForEnd(host, id), opts.json);
      });
    }));

  program.command('vars <run>')
    .description("a workflow run's arguments (a.), variables (v.) and environment (e.)")
    .option('-d, --dir <dir>', 'project directory')
    .option('--json', 'print JSON')
    .action(action(async (runText: string, opts: DirOpts) => {
      const id = parseWfRunId(runText);
      await withReadStore(opts, async (store) => {
        const vars = varsOf(await store.mustGetRun(id));
        if (opts.json) process.stdout.write(`${JSON.stringify(vars)}\n`);
        else for (const [ns, obj] of Object.entries(vars)) for (const [k, v] of Object.entries(obj)) process.stdout.write(`${ns}.${k} = ${JSON.stringify(v)}\n`);
      });
    }));

  program.command('set-var <run> <assignments...>')
    .description('change variables of a waiting (or failed) workflow run: NAME=VALUE, the value as JSON or else as text')
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (runText: string, assignments: string[], opts: DirOpts) => {
      const id = parseWfRunId(runText);
      const parsed = assignments.map(parseAssignment);
      await withStore(opts, async (store) => {
        for (const { name, value } of parsed) {
          await setVar({ store, now: Date.now(), actor: process.env.USER ?? 'operator' }, id, name, value);
          process.stdout.write(`${formatRunId(id)}: v.${name} = ${JSON.stringify(value)}\n`);
        }
      });
    }));

  program.command('cancel <run>')
    .description('cancel a workflow run (a fatal error; the children it waits for are cancelled too)')
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (runText: string, opts: DirOpts) => {
      const id = parseWfRunId(runText);
      return withHost(opts, false, async (host) => {
        const run = await host.wf.mustGetRun(id);
        await host.engine.cancel(id, process.env.USER ?? 'operator');
        // Nobody drives it: complete the cancellation here.
        if (!ownerAlive(run) && (await host.engine.adopt(id))) await host.engine.result(id);
        process.stdout.write(`${formatRunId(id)} cancelled\n`);
      });
    }));

  program.command('retry <run>')
    .description('retry a failed workflow run from the step that failed, and drive it here')
    .option('-d, --dir <dir>', 'project directory')
    .option('--worker <module>', 'a JS module of in-process action handlers (repeatable)', collect)
    .option('--no-wait', 'only make it runnable again (a later `ordo wf resume` drives it)')
    .option('--json', 'print {"run", "state", "output", "error"}')
    .action(action(async (runText: string, opts: HostOpts & { wait: boolean }) => {
      const id = parseWfRunId(runText);
      return withHost(opts, opts.wait, async (host) => {
        await retryRun({ store: host.wf, now: Date.now(), actor: process.env.USER ?? 'operator' }, id);
        if (!opts.wait) {
          process.stdout.write(`${formatRunId(id)} will be retried\n`);
          return 0;
        }
        await host.engine.adopt(id);
        return report(await waitForEnd(host, id), opts.json);
      });
    }));
}
