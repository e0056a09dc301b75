/** `ordo simulate`: the real dispatcher on a virtual clock, for a flow of the project or a benchmark graph. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { resolveParams } from '../../defs/params.js';
import { catalogOf } from '../../engine/resources.js';
import { estimatesFor } from '../../engine/estimates.js';
import { ESTIMATE_SAMPLES } from '../../engine/ordering.js';
import { OrdoError } from '../../errors.js';
import { parseDax } from '../../sched/dax.js';
import type { TaskGraph } from '../../sched/graph.js';
import { parseStg } from '../../sched/stg.js';
import { parseWfCommons } from '../../sched/wfcommons.js';
import { simulateFlow, simulateGraph, type SimulationResult } from '../../sim/simulate.js';
import { action, flowOf, loadValidProject, parsePositiveInt, projectDir, READ_ONLY, storeFor } from '../context.js';

interface SimOptions {
  dir?: string;
  slots: string;
  durations?: string;
  stg?: string;
  wfcommons?: string;
  dax?: string;
  json?: boolean;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

async function benchmarkGraph(opts: SimOptions): Promise<TaskGraph> {
  const [kind, path] = opts.stg ? ['STG file', opts.stg] : opts.wfcommons ? ['WfCommons trace', opts.wfcommons] : ['DAX file', opts.dax!];
  const text = await readText(path, kind);
  try {
    if (opts.stg) return parseStg(text, path).graph;
    if (opts.wfcommons) return parseWfCommons(text).graph;
    return parseDax(text).graph;
  } catch (err) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `${path}: ${(err as Error).message}`);
  }
}

/** `{ "job": seconds }`; every value a non-negative number and every key a job of the flow. */
async function durationsFile(path: string, jobs: Set<string>): Promise<Map<string, number>> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readText(path, 'durations file'));
  } catch (err) {
    if (err instanceof OrdoError) throw err;
    throw new OrdoError('ORDO_BAD_ARGUMENT', `${path}: not JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `${path}: expected an object {"job": seconds, ...}`);
  }
  const out = new Map<string, number>();
  for (const [job, v] of Object.entries(doc)) {
    if (!jobs.has(job)) throw new OrdoError('ORDO_BAD_ARGUMENT', `${path}: "${job}" is not a job of the flow`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new OrdoError('ORDO_BAD_ARGUMENT', `${path}: the duration of "${job}" must be a number of seconds >= 0`);
    }
    out.set(job, v);
  }
  return out;
}

export function registerSimulateCommand(program: Command): void {
  program.command('simulate [flow]')
    .description('run the dispatcher on a virtual clock with given durations and slots: a flow, or --stg / --wfcommons / --dax FILE')
    .option('-d, --dir <dir>', 'project directory')
    .requiredOption('-s, --slots <m>', 'slots (tasks at once)')
    .option('--durations <file>', 'JSON {"job": seconds} (default: the median of history, else estimate)')
    .option('--stg <file>', 'a Standard Task Graph (.stg) file')
    .option('--wfcommons <file>', 'a WfCommons (WfFormat 1.5) JSON trace')
    .option('--dax <file>', 'a Pegasus DAX XML workflow')
    .option('--json', 'print {"makespan", "lowerBound", "criticalPath", "work"}')
    .action(action(async (flowName: string | undefined, opts: SimOptions) => {
      const slots = parsePositiveInt(opts.slots, '--slots');
      const files = [opts.stg, opts.wfcommons, opts.dax].filter(Boolean).length;
      if (files + (flowName ? 1 : 0) !== 1) {
        throw new OrdoError('ORDO_BAD_ARGUMENT', 'give exactly one of: a flow name, --stg FILE, --wfcommons FILE, --dax FILE');
      }
      let result: SimulationResult;
      if (!flowName) {
        result = await simulateGraph(await benchmarkGraph(opts), { slots, unitMs: 1000 });
      } else {
        const project = await loadValidProject(projectDir(opts));
        const flow = flowOf(project, flowName);
        let durations: Map<string, number>;
        if (opts.durations) durations = await durationsFile(opts.durations, new Set(flow.jobs.map((j) => j.name)));
        else {
          const store = await storeFor(opts, READ_ONLY);
          try {
            const samples = await store.durationSamples(flow.name, 'default', ESTIMATE_SAMPLES);
            durations = new Map([...estimatesFor(flow, samples, project.settings.defaultEstimateMs)].map(([k, ms]) => [k, ms / 1000]));
          } finally {
            await store.close();
          }
        }
        const { values } = resolveParams(flow, {});
        result = await simulateFlow(flow, durations, { slots, unitMs: 1000, catalog: { ...catalogOf(project.settings), hostsUp: true }, params: values });
      }
      const { makespan, lowerBound, criticalPath, work } = result;
      if (opts.json) process.stdout.write(`${JSON.stringify({ makespan, lowerBound, criticalPath, work, slots, tasks: result.tasks })}\n`);
      else {
        const pct = lowerBound > 0 ? ` (${((makespan / lowerBound - 1) * 100).toFixed(1)}% above the lower bound)` : '';
        process.stdout.write(`${result.tasks} tasks on ${slots} slots: makespan ${makespan}${pct}\n` +
          `lower bound ${lowerBound} = max(critical path ${criticalPath}, work ${work} / ${slots})\n`);
      }
    }));
}
