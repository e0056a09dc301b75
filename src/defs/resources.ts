/**
 * The resource and ordering attributes of jobs and flows (`locks`, `connector`, `priority`, `deadline`,
 * `maxLoad`, `estimate`) and the declarations in ordo.yaml (`connectors`, `gates`).
 */
import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import {
  IMMEDIATE_PRIORITY, type ConnectorDef, type ConnectorUse, type DeadlineSpec, type GateDef, type LockMode, type LockNeed,
} from './model.js';
import { describeRef, parseTemplate, refsOf } from './expr.js';
import { NAME_PATTERN } from './spec.js';
import { entries, type Reader } from './yaml.js';

const LOCK_KEYS = ['name', 'mode'] as const;
const CONNECTOR_USE_KEYS = ['name', 'exclusive'] as const;
const CONNECTOR_KEYS = ['maxParallel', 'credentials', 'environments', 'description'] as const;
const GATE_KEYS = ['open', 'description'] as const;
const LOCK_MODES: readonly LockMode[] = ['shared', 'exclusive'];

/** `locks: [customers, { name: orders, mode: shared }]`: a bare name is exclusive. */
export function readLocks(reader: Reader, node: Node | null, what: string): LockNeed[] {
  const items = reader.list(node, `"locks" of ${what}`);
  if (!items) return [];
  const locks: LockNeed[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    let need: LockNeed | undefined;
    if (isScalar(item)) {
      const name = reader.string(item, `a lock of ${what}`);
      if (name !== undefined) need = { name, mode: 'exclusive' };
    } else if (isMap(item)) {
      const fields = new Map(reader.strictEntries(item, LOCK_KEYS, `a lock of ${what}`).map((e) => [e.key, e]));
      const name = fields.get('name') ? reader.string(fields.get('name')!.value, `"name" of a lock of ${what}`) : undefined;
      if (!fields.has('name')) reader.diags.error('ORDO_MISSING_KEY', `a lock of ${what} needs "name"`, reader.at(item));
      const modeEntry = fields.get('mode');
      let mode: LockMode = 'exclusive';
      if (modeEntry) {
        const m = reader.string(modeEntry.value, `"mode" of a lock of ${what}`);
        if (m !== undefined && !LOCK_MODES.includes(m as LockMode)) {
          reader.diags.error('ORDO_BAD_VALUE', `"mode" of lock "${name ?? '?'}" of ${what} must be shared or exclusive, got "${m}"`, reader.at(modeEntry.value));
        } else if (m !== undefined) mode = m as LockMode;
      }
      if (name !== undefined) need = { name, mode };
    } else {
      reader.bad(item, `a lock of ${what}`, 'a lock name or { name, mode }');
    }
    if (!need) continue;
    if (!NAME_PATTERN.test(need.name)) {
      reader.diags.error('ORDO_BAD_VALUE', `lock name "${need.name}" of ${what} must start with a letter and hold letters, digits, "_" or "-"`, reader.at(item));
    } else if (seen.has(need.name)) {
      reader.diags.error('ORDO_BAD_VALUE', `${what} names lock "${need.name}" twice`, reader.at(item));
    } else {
      seen.add(need.name);
      locks.push(need);
    }
  }
  return locks;
}

/** `connector: dwh` or `connector: { name: dwh, exclusive: true }`. */
export function readConnectorUse(reader: Reader, node: Node | null, what: string): ConnectorUse | undefined {
  if (isScalar(node)) {
    const name = reader.string(node, `"connector" of ${what}`);
    return name === undefined ? undefined : { name, exclusive: false };
  }
  const map = reader.map(node, `"connector" of ${what}`);
  if (!map) return undefined;
  const fields = new Map(reader.strictEntries(map, CONNECTOR_USE_KEYS, `"connector" of ${what}`).map((e) => [e.key, e]));
  const nameEntry = fields.get('name');
  if (!nameEntry) {
    reader.diags.error('ORDO_MISSING_KEY', `"connector" of ${what} needs "name"`, reader.at(node));
    return undefined;
  }
  const name = reader.string(nameEntry.value, `"connector.name" of ${what}`);
  const ex = fields.get('exclusive');
  const exclusive = ex ? reader.boolean(ex.value, `"connector.exclusive" of ${what}`) ?? false : false;
  return name === undefined ? undefined : { name, exclusive };
}

/** `priority: 10` (higher first; may be negative) or `priority: immediate`. */
export function readPriority(reader: Reader, node: Node | null, what: string): number {
  if (isScalar(node) && node.value === 'immediate') return IMMEDIATE_PRIORITY;
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) >= 1000) {
    reader.bad(node, `"priority" of ${what}`, 'an integer between -999 and 999, or immediate');
    return 0;
  }
  return v;
}

const TIME_OF_DAY = /^(?:\+(\d+)d\s+)?([01]?\d|2[0-3]):([0-5]\d)$/;

/** `deadline: "06:00"`, `"+1d 06:00"` (the day after the business date) or an ISO instant with its offset. */
export function readDeadline(reader: Reader, node: Node | null, what: string, key = 'deadline'): DeadlineSpec | undefined {
  const text = reader.string(node, `"${key}" of ${what}`);
  if (text === undefined) return undefined;
  const m = TIME_OF_DAY.exec(text.trim());
  if (m) return { kind: 'timeOfDay', dayOffset: Number(m[1] ?? 0), hour: Number(m[2]), minute: Number(m[3]), text };
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text.trim())) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return { kind: 'absolute', at, text };
  }
  reader.diags.error('ORDO_BAD_VALUE', `"${key}" of ${what} must be "HH:MM", "+Nd HH:MM" or an ISO time with offset, got "${text}"`, reader.at(node));
  return undefined;
}

export function readConnectors(reader: Reader, map: YAMLMap, into: Map<string, ConnectorDef>): void {
  for (const e of entries(map)) {
    const what = `connector "${e.key}"`;
    if (!NAME_PATTERN.test(e.key)) {
      reader.diags.error('ORDO_BAD_VALUE', `${what}: a name starts with a letter and holds letters, digits, "_" or "-"`, reader.at(e.keyNode));
      continue;
    }
    const body = reader.map(e.value, what);
    if (!body) continue;
    const def: ConnectorDef = { name: e.key, environments: {} };
    for (const f of reader.strictEntries(body, CONNECTOR_KEYS, what)) {
      if (f.key === 'maxParallel') def.maxParallel = reader.integer(f.value, `"maxParallel" of ${what}`, 1);
      else if (f.key === 'credentials') {
        def.credentials = reader.string(f.value, `"credentials" of ${what}`);
        checkSecretRefs(reader, f.value, def.credentials, `"credentials" of ${what}`);
      }
      else if (f.key === 'description') def.description = reader.string(f.value, `"description" of ${what}`);
      else {
        const envs = reader.map(f.value, `"environments" of ${what}`);
        for (const env of envs ? entries(envs) : []) {
          const settings = reader.map(env.value, `environment "${env.key}" of ${what}`);
          if (!settings) continue;
          const values: Record<string, string> = {};
          for (const s of entries(settings)) {
            const label = `"${s.key}" of environment "${env.key}" of ${what}`;
            const v = reader.text(s.value, label);
            checkSecretRefs(reader, s.value, v, label);
            if (v !== undefined) values[s.key] = v;
          }
          def.environments[env.key] = values;
        }
      }
    }
    into.set(e.key, def);
  }
}

/** A connector's values are the same for every run: the only reference they may hold is `${{ secrets.NAME }}`. */
export function checkSecretRefs(reader: Reader, node: Node | null, text: string | undefined, label: string): void {
  if (text === undefined || !text.includes('${{')) return;
  const parsed = parseTemplate(text);
  for (const err of parsed.errors) reader.diags.error('ORDO_BAD_EXPRESSION', `${label}: ${err.message}`, reader.at(node));
  for (const ref of refsOf(parsed.parts)) {
    if (ref.kind === 'secret') reader.diags.secretUses.push({ name: ref.name, at: reader.at(node), label });
    else {
      reader.diags.error('ORDO_BAD_EXPRESSION', `${label}: \${{ ${describeRef(ref)} }} cannot be used here: a connector may only name secrets (\${{ secrets.NAME }})`, reader.at(node));
    }
  }
}

/** `gates: [eod]` (closed at first) or `gates: { eod: { open: true, description: ... } }`. */
export function readGates(reader: Reader, node: Node | null, into: Map<string, GateDef>): void {
  const named = (name: string, at: Node | null): boolean => {
    if (NAME_PATTERN.test(name)) return true;
    reader.diags.error('ORDO_BAD_VALUE', `gate name "${name}" must start with a letter and hold letters, digits, "_" or "-"`, reader.at(at));
    return false;
  };
  if (isMap(node)) {
    for (const e of entries(node)) {
      if (!named(e.key, e.keyNode)) continue;
      const gate: GateDef = { name: e.key, initiallyOpen: false };
      const body = e.value === null || (isScalar(e.value) && e.value.value === null) ? undefined : reader.map(e.value, `gate "${e.key}"`);
      for (const f of body ? reader.strictEntries(body, GATE_KEYS, `gate "${e.key}"`) : []) {
        if (f.key === 'open') gate.initiallyOpen = reader.boolean(f.value, `"open" of gate "${e.key}"`) ?? false;
        else gate.description = reader.string(f.value, `"description" of gate "${e.key}"`);
      }
      into.set(e.key, gate);
    }
    return;
  }
  for (const item of reader.list(node, '"gates"') ?? []) {
    const name = reader.string(item, 'a gate');
    if (name !== undefined && named(name, item)) into.set(name, { name, initiallyOpen: false });
  }
}
