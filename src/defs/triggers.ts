/**
 * A flow's `triggers:` and their policies (`overlap`, `catchup`, `jitter`, `runsPerBusinessDate`).
 *
 *   triggers:
 *     - plan: eod                                  # a plan of ordo.yaml
 *     - cron: "0 18 * * 1-5"                       # or an inline cron, with zone (default UTC)
 *       zone: Europe/Prague
 *     - gate: eod_released                         # when the gate opens
 *     - after: { flow: extract, state: succeeded } # when a run of another flow ends so, same business date
 *     - file: { path: "in/*.csv", settle: 30s }    # when a matching file appears and stops changing
 *   overlap: skip           # skip | queue-one | queue-all | cancel-previous | allow
 *   catchup: { policy: latest, window: 1d, max: 10 }
 */
import { isMap, isSeq, type Node } from 'yaml';
import {
  CATCHUP_POLICIES, OVERLAP_POLICIES, type CatchupPolicy, type FlowDef, type ProjectSettings, type ScheduleDef,
  type TriggerDef,
} from './model.js';
import { cronError } from '../time/cron.js';
import { isValidZone } from '../time/zone.js';
import { parseDuration } from './spec.js';
import { entries, scalarValue, type Diagnostics, type Entry, type Reader } from './yaml.js';

const TRIGGER_KINDS = ['plan', 'cron', 'gate', 'after', 'file'] as const;
const RUN_END = ['succeeded', 'failed', 'aborted'] as const;

export function readSchedule(reader: Reader, flow: string, fields: Map<string, Entry>): ScheduleDef | undefined {
  const what = `flow "${flow}"`;
  const t = fields.get('triggers');
  if (!t && !['overlap', 'catchup', 'jitter', 'runsPerBusinessDate'].some((k) => fields.has(k))) return undefined;
  const schedule: ScheduleDef = {
    triggers: [], overlap: 'skip', catchup: { policy: 'latest', windowMs: 86_400_000, max: 10 }, jitterMs: 0, oncePerBusinessDate: true,
  };
  const keys = new Set<string>();
  for (const item of t ? reader.list(t.value, `"triggers" of ${what}`) ?? [] : []) {
    const trigger = readTrigger(reader, item, what);
    if (!trigger) continue;
    trigger.at = reader.at(item);
    if (keys.has(trigger.key)) {
      reader.diags.error('ORDO_BAD_VALUE', `${what} has the trigger ${trigger.key} twice`, reader.at(item));
      continue;
    }
    keys.add(trigger.key);
    schedule.triggers.push(trigger);
  }
  const overlap = fields.get('overlap');
  if (overlap) schedule.overlap = oneOf(reader, overlap.value, `"overlap" of ${what}`, OVERLAP_POLICIES) ?? 'skip';
  const catchup = fields.get('catchup');
  if (catchup) readCatchup(reader, catchup.value, what, schedule);
  const jitter = fields.get('jitter');
  if (jitter) schedule.jitterMs = duration(reader, jitter.value, `"jitter" of ${what}`) ?? 0;
  const per = fields.get('runsPerBusinessDate');
  if (per) schedule.oncePerBusinessDate = (oneOf(reader, per.value, `"runsPerBusinessDate" of ${what}`, ['one', 'many'] as const) ?? 'one') === 'one';
  return schedule;
}

function oneOf<T extends string>(reader: Reader, node: Node | null, what: string, allowed: readonly T[]): T | undefined {
  const v = reader.string(node, what);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    reader.diags.error('ORDO_BAD_VALUE', `${what} must be one of ${allowed.join(', ')}, got "${v}"`, reader.at(node));
    return undefined;
  }
  return v as T;
}

function duration(reader: Reader, node: Node | null, what: string): number | undefined {
  const ms = parseDuration(scalarValue(node));
  if (ms === undefined) reader.bad(node, what, 'a duration such as "30s", "15m" or "1d"');
  return ms;
}

function readCatchup(reader: Reader, node: Node | null, what: string, schedule: ScheduleDef): void {
  if (!isMap(node)) {
    schedule.catchup.policy = oneOf<CatchupPolicy>(reader, node, `"catchup" of ${what}`, CATCHUP_POLICIES) ?? 'latest';
    return;
  }
  for (const e of reader.strictEntries(node, ['policy', 'window', 'max'], `"catchup" of ${what}`)) {
    if (e.key === 'policy') schedule.catchup.policy = oneOf<CatchupPolicy>(reader, e.value, `"catchup.policy" of ${what}`, CATCHUP_POLICIES) ?? 'latest';
    else if (e.key === 'window') schedule.catchup.windowMs = duration(reader, e.value, `"catchup.window" of ${what}`) ?? schedule.catchup.windowMs;
    else schedule.catchup.max = reader.integer(e.value, `"catchup.max" of ${what}`, 1) ?? schedule.catchup.max;
  }
}

function readTrigger(reader: Reader, node: Node, what: string): TriggerDef | undefined {
  const map = reader.map(node, `a trigger of ${what}`);
  if (!map) return undefined;
  const list = entries(map);
  const kindEntry = list.find((e) => (TRIGGER_KINDS as readonly string[]).includes(e.key));
  if (!kindEntry) {
    reader.diags.error('ORDO_BAD_VALUE', `a trigger of ${what} needs one of: ${TRIGGER_KINDS.join(', ')}`, reader.at(node));
    return undefined;
  }
  const kind = kindEntry.key as (typeof TRIGGER_KINDS)[number];
  const allowed = kind === 'cron' ? ['cron', 'zone'] : [kind];
  const fields = new Map(reader.strictEntries(map, allowed, `a ${kind} trigger of ${what}`).map((e) => [e.key, e]));
  const v = kindEntry.value;
  switch (kind) {
    case 'plan': {
      const plan = reader.string(v, `"plan" of a trigger of ${what}`);
      return plan === undefined ? undefined : { kind, plan, key: `plan:${plan}` };
    }
    case 'cron': {
      const cron = reader.string(v, `"cron" of a trigger of ${what}`);
      const zoneEntry = fields.get('zone');
      const zone = zoneEntry ? reader.string(zoneEntry.value, `"zone" of a trigger of ${what}`) : 'UTC';
      const problem = cron === undefined ? undefined : cronError(cron);
      if (problem) reader.diags.error('ORDO_BAD_CRON', `"cron" of a trigger of ${what}: ${problem}`, reader.at(v));
      if (zone !== undefined && !isValidZone(zone)) {
        reader.diags.error('ORDO_BAD_ZONE', `"zone" of a trigger of ${what}: "${zone}" is not an IANA time zone`, reader.at(zoneEntry?.value ?? v));
        return undefined;
      }
      return cron === undefined || zone === undefined || problem ? undefined : { kind, cron, zone, key: `cron:${cron}@${zone}` };
    }
    case 'gate': {
      const gate = reader.string(v, `"gate" of a trigger of ${what}`);
      return gate === undefined ? undefined : { kind, gate, key: `gate:${gate}` };
    }
    case 'after': {
      const body = reader.map(v, `"after" of a trigger of ${what}`);
      if (!body) return undefined;
      const f = new Map(reader.strictEntries(body, ['flow', 'state'], `"after" of a trigger of ${what}`).map((e) => [e.key, e]));
      const flow = f.get('flow') ? reader.string(f.get('flow')!.value, `"after.flow" of a trigger of ${what}`) : undefined;
      if (!f.has('flow')) reader.diags.error('ORDO_MISSING_KEY', `"after" of a trigger of ${what} needs "flow"`, reader.at(v));
      const stateNode = f.get('state')?.value ?? null;
      const states = stateNode === null ? ['succeeded' as const]
        : (isSeq(stateNode) ? (stateNode.items as Node[]) : [stateNode]).map((n) => oneOf(reader, n, `"after.state" of a trigger of ${what}`, RUN_END));
      if (states.length === 0) reader.diags.error('ORDO_BAD_VALUE', `"after.state" of a trigger of ${what} is empty: it could never fire`, reader.at(stateNode));
      if (flow === undefined || states.length === 0 || states.some((s) => s === undefined)) return undefined;
      const ok = states as Array<(typeof RUN_END)[number]>;
      return { kind, flow, states: ok, key: `after:${flow}:${ok.join('|')}` };
    }
    case 'file': {
      const body = reader.map(v, `"file" of a trigger of ${what}`);
      if (!body) return undefined;
      const f = new Map(reader.strictEntries(body, ['path', 'settle'], `"file" of a trigger of ${what}`).map((e) => [e.key, e]));
      const path = f.get('path') ? reader.string(f.get('path')!.value, `"file.path" of a trigger of ${what}`) : undefined;
      if (!f.has('path')) reader.diags.error('ORDO_MISSING_KEY', `"file" of a trigger of ${what} needs "path"`, reader.at(v));
      const settleMs = f.get('settle') ? duration(reader, f.get('settle')!.value, `"file.settle" of a trigger of ${what}`) ?? 0 : 5_000;
      return path === undefined ? undefined : { kind, path, settleMs, key: `file:${path}` };
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** Triggers must name what exists: plans and gates of ordo.yaml, other flows of the project. */
export function checkTriggers(flows: Map<string, FlowDef>, settings: ProjectSettings, diags: Diagnostics): void {
  const plans = settings.plans;
  for (const flow of flows.values()) {
    for (const t of flow.schedule?.triggers ?? []) {
      const at = t.at ?? { file: flow.file, line: 1, column: 1 };
      if (t.kind === 'plan' && !plans.has(t.plan)) {
        diags.error('ORDO_UNKNOWN_PLAN', `flow "${flow.name}" is triggered by plan "${t.plan}", which ordo.yaml does not declare (plans: ${[...plans.keys()].sort().join(', ') || 'none'})`, at);
      } else if (t.kind === 'gate' && !settings.gates.has(t.gate)) {
        diags.error('ORDO_BAD_VALUE', `flow "${flow.name}" is triggered by gate "${t.gate}", which ordo.yaml does not declare (gates: ${[...settings.gates.keys()].sort().join(', ') || 'none'})`, at);
      } else if (t.kind === 'after' && !flows.has(t.flow)) {
        diags.error('ORDO_BAD_VALUE', `flow "${flow.name}" is triggered after flow "${t.flow}", which the project does not have`, at);
      } else if (t.kind === 'after' && t.flow === flow.name) {
        diags.error('ORDO_BAD_VALUE', `flow "${flow.name}" cannot be triggered by its own runs`, at);
      }
    }
  }
}
