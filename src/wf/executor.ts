/**
 * The flow engine's executor for jobs of kind `workflow`: an attempt is a workflow run. The job's `input`
 * is expanded from the flow's parameters and upstream results (a string that is exactly one `${{ ... }}`
 * keeps its value's type, e.g. a number), the run is created with an origin naming the flow attempt (a
 * flow engine that retries the same attempt after a crash finds the same run), and the attempt succeeds
 * or fails with it; the run's output becomes the job's result. Aborting the attempt cancels the run.
 */
import { parseTemplate, expandTemplate, type ExprRef } from '../defs/expr.js';
import type { AttemptHandle, AttemptOutcome, AttemptRequest, Executor } from '../engine/ports.js';
import { isObject, type Json, type JsonObject } from '../lang/json.js';
import type { WfHost } from './host.js';
import { formatRunId } from './types.js';

export class WorkflowExecutor implements Executor {
  readonly kinds = ['workflow'] as const;
  private host: Promise<WfHost> | null = null;

  /**
   * `openHost` is called on the first workflow job (so a server without workflow jobs compiles nothing);
   * `ownsHost: false` when the host is shared and closed by its owner.
   */
  constructor(
    private readonly openHost: () => Promise<WfHost>,
    private readonly now: () => number = Date.now,
    private readonly opts: { ownsHost?: boolean } = {},
  ) {}

  start(req: AttemptRequest): AttemptHandle {
    const startedAt = this.now();
    let runId: number | null = null;
    let aborted: string | null = null;
    const failed = (error: string): AttemptOutcome => ({ status: 'failed', exitCode: null, signal: null, error, startedAt, endedAt: this.now() });
    const done = (async (): Promise<AttemptOutcome> => {
      const workflow = req.job.workflow;
      if (!workflow) return failed(`job ${req.job.name} names no workflow`);
      this.host ??= this.openHost();
      const host = await this.host;
      const input = expandInput(req.job.input ?? {}, req);
      runId = await host.engine.start(workflow, input, {
        origin: `flow:${req.runId}/${req.taskId}/${req.attempt}`,
        env: { flow_run: req.runId, flow: req.flow, flow_job: req.job.name, flow_attempt: req.attempt },
      });
      if (aborted !== null) await host.engine.cancel(runId, aborted).catch(() => {});
      const end = await host.engine.result(runId);
      const run = formatRunId(runId);
      if (end.status === 'done') {
        return { status: 'succeeded', exitCode: 0, signal: null, result: { ...(end.output ?? {}) }, startedAt, endedAt: this.now() };
      }
      const outcome = failed(`workflow run ${run} failed: ${end.error?.msg ?? 'unknown error'} (${end.error?.class ?? 'normal'})`);
      return aborted !== null ? { ...outcome, status: 'aborted' } : outcome;
    })().catch((err: unknown) => failed(err instanceof Error ? err.message : String(err)));
    return {
      done,
      abort: (reason: string) => {
        aborted = reason;
        if (runId !== null) void this.host?.then((h) => h.engine.cancel(runId as number, reason)).catch(() => {});
      },
    };
  }

  async close(): Promise<void> {
    const host = this.host;
    this.host = null;
    if (host && this.opts.ownsHost !== false) await (await host).close();
  }
}

/** The job's input with its expressions replaced by the flow's parameters and upstream results. */
export function expandInput(input: Record<string, unknown>, req: Pick<AttemptRequest, 'input' | 'runId'>): JsonObject {
  const params = (req.input.params ?? {}) as Record<string, unknown>;
  const vars = (req.input.vars ?? {}) as Record<string, unknown>;
  const results = (req.input.results ?? {}) as Record<string, unknown>;
  const lookup = (ref: ExprRef): unknown => {
    switch (ref.kind) {
      case 'params': return params[ref.name];
      case 'vars': return vars[ref.name];
      case 'run': return req.runId;
      case 'kv': throw new Error(`\${{ kv.${ref.key} }} is not available in a workflow job's input`);
      // The input is stored with the workflow: a secret's value would be kept in clear there.
      case 'secret': throw new Error(`\${{ secrets.${ref.name} }} is not available in a workflow job's input (it would be stored in clear)`);
      case 'result': {
        let v: unknown = results[ref.job];
        for (const k of ref.path) v = isObject(v) ? v[k] : undefined;
        return v;
      }
    }
  };
  const value = (v: unknown): Json => {
    if (typeof v === 'string') {
      if (!v.includes('${{')) return v;
      const parsed = parseTemplate(v);
      if (parsed.errors[0]) throw new Error(parsed.errors[0].message);
      const only = parsed.parts.length === 1 ? parsed.parts[0] : undefined;
      if (only !== undefined && typeof only !== 'string') return (lookup(only) ?? null) as Json;
      return expandTemplate(parsed.parts, (ref) => {
        const x = lookup(ref);
        return x === undefined || x === null ? '' : typeof x === 'object' ? JSON.stringify(x) : String(x);
      });
    }
    if (Array.isArray(v)) return v.map(value);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x)]));
    return (v ?? null) as Json;
  };
  return value(input) as JsonObject;
}
