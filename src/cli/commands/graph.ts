/** `ordo graph FLOW --format dot|mermaid`: the dependency graph, edges labelled with the awaited states. */
import type { Command } from 'commander';
import type { DependencyRef, FlowDef } from '../../defs/model.js';
import { OrdoError } from '../../errors.js';
import { action, flowOf, loadValidProject, projectDir, READ_ONLY, withStore } from '../context.js';

interface Edge {
  from: string;
  to: string;
  label: string;
  any: boolean;
}

function edges(flow: FlowDef): Edge[] {
  const out: Edge[] = [];
  const label = (r: DependencyRef) => (r.states.length === 1 && r.states[0] === 'succeeded' ? '' : r.states.join('|'));
  for (const job of flow.jobs) {
    for (const dep of job.after) {
      if (dep.kind === 'job') out.push({ from: dep.ref.job, to: job.name, label: label(dep.ref), any: false });
      else for (const m of dep.members) out.push({ from: m.job, to: job.name, label: label(m), any: true });
    }
  }
  return out;
}

const q = (s: string) => JSON.stringify(s);

/** `disabled`: jobs disabled at runtime (`ordo disable`), besides those the file disables. */
export function toDot(flow: FlowDef, disabled: ReadonlySet<string> = new Set()): string {
  const lines = [`digraph ${q(flow.name)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  for (const j of flow.jobs) lines.push(`  ${q(j.name)}${j.enabled && !disabled.has(j.name) ? '' : ' [style="rounded,dashed"]'};`);
  for (const e of edges(flow)) {
    const attrs = [e.label ? `label=${q(e.label)}` : '', e.any ? 'style=dashed' : ''].filter(Boolean);
    lines.push(`  ${q(e.from)} -> ${q(e.to)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function toMermaid(flow: FlowDef, disabled: ReadonlySet<string> = new Set()): string {
  const id = (name: string) => `j_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const lines = ['flowchart LR'];
  for (const j of flow.jobs) lines.push(`  ${id(j.name)}["${j.name}${j.enabled && !disabled.has(j.name) ? '' : ' (disabled)'}"]`);
  for (const e of edges(flow)) {
    const arrow = e.any ? '-.->' : '-->';
    lines.push(`  ${id(e.from)} ${arrow}${e.label ? `|${e.label}|` : ''} ${id(e.to)}`);
  }
  return lines.join('\n') + '\n';
}

export function registerGraphCommand(program: Command): void {
  program.command('graph <flow>')
    .description('print the dependency graph (dashed: a member of an `any` group; disabled jobs, in the file or by `ordo disable`, marked)')
    .option('-d, --dir <dir>', 'project directory')
    .option('-f, --format <format>', 'dot | mermaid', 'mermaid')
    .action(action(async (flowName: string, opts: { dir?: string; format: string }) => {
      if (opts.format !== 'dot' && opts.format !== 'mermaid') {
        throw new OrdoError('ORDO_BAD_ARGUMENT', `--format must be dot or mermaid, got "${opts.format}"`);
      }
      const dir = projectDir(opts);
      const flow = flowOf(await loadValidProject(dir), flowName);
      // Jobs disabled with `ordo disable` are in the store (read only: a graph creates none).
      const disabled = await withStore(opts, (store) => store.disabledJobs(flow.name), READ_ONLY);
      process.stdout.write(opts.format === 'dot' ? toDot(flow, disabled) : toMermaid(flow, disabled));
    }));
}
