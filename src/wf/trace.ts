/** The step trace of a workflow run as text (`ordo wf show`): the run, its children, then one line per step. */
import type { JsonObject } from '../lang/json.js';
import type { CompiledWorkflow } from '../lang/program.js';
import { formatRunId, type WfRunRow, type WfStepRow, type WfTaskRow } from './types.js';

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').replace(/Z$/, ''));

function short(value: unknown, max = 60): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** An event as one short phrase: `action_done {"counter":126}`. */
export function describeEvent(e: JsonObject | null): string {
  if (!e) return '-';
  const { kind, ...rest } = e;
  const keys = Object.keys(rest);
  return keys.length === 0 ? String(kind) : `${String(kind)} ${short(keys.length === 1 ? rest[keys[0] as string] : rest)}`;
}

export function describeEffect(e: JsonObject | null): string {
  if (!e) return '-';
  switch (e.kind) {
    case 'call_action': return `call_action ${String(e.action)} ${short(e.input)}`;
    case 'start_child': return `start_child ${String(e.workflow)}${e.wait ? '' : ' (detached)'}`;
    case 'start_children': return `start_children x${(e.children as unknown[]).length}`;
    case 'sleep': return `sleep ${String(e.seconds)} s`;
    case 'lock':
    case 'wait_for_lock':
    case 'unlock': return `${String(e.kind)} ${String(e.type)} '${String(e.value)}'`;
    case 'done': return `done ${short(e.output)}`;
    case 'failed': return `failed ${short(e.error)}`;
    default: return describeEvent(e);
  }
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export interface TraceInput {
  run: WfRunRow;
  version: number;
  program: CompiledWorkflow;
  steps: WfStepRow[];
  children: WfRunRow[];
  tasks: WfTaskRow[];
}

export function formatTrace(t: TraceInput): string {
  const { run, program } = t;
  const lines: string[] = [];
  const parent = run.parentId === null ? '' : `  ${run.join === 'none' ? 'detached from' : 'called by'} ${formatRunId(run.parentId)}`;
  lines.push(`${formatRunId(run.id)}  workflow ${run.workflow} v${t.version}  ${run.status}  depth ${run.depth}${parent}`);
  lines.push(`input   ${JSON.stringify(run.input)}`);
  if (run.output) lines.push(`output  ${JSON.stringify(run.output)}`);
  if (run.error) lines.push(`error   ${JSON.stringify(run.error)}`);
  if (run.owner && (run.status === 'running' || run.status === 'waiting')) lines.push(`owner   ${run.owner}`);
  for (const c of t.children) lines.push(`child   ${formatRunId(c.id)} ${c.workflow} ${c.status}${c.join === 'none' ? ' (detached)' : ''}`);
  const tasks = new Map(t.tasks.map((x) => [x.step, x]));
  const rows = t.steps.map((s) => {
    const at = program.steps[s.pc]?.at;
    const task = s.effect?.kind === 'call_action' ? tasks.get(s.step) : undefined;
    const effect = describeEffect(s.effect) + (task ? `  [task ${task.id} ${task.state}, ${task.attempts} attempt(s)]` : '');
    return [String(s.step), iso(s.at), at ? `${program.file}:${at[0]}:${at[1]}` : '-', `${s.pc}:${s.op}`, describeEvent(s.event), effect, s.status];
  });
  lines.push('', table(['STEP', 'TIME', 'AT', 'PC:OP', 'EVENT', 'EFFECT', 'STATUS'], rows));
  return `${lines.join('\n')}\n`;
}
