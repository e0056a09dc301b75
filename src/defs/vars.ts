/**
 * Variables (docs/definitions.md#variables): text values defined once for the project (`vars:` in
 * ordo.yaml) or a flow (`vars:` in the flow file, which overrides the project's of the same name), used in
 * job text as `${{ vars.NAME }}`, and overridden per run (`ordo run/start FLOW --var NAME=VALUE`, the API's
 * `runs.start` with `vars`). A run's values are resolved when it is created and stored with it, so a resumed
 * run (and every retry and restart of its jobs) uses the values it started with.
 */
import { isScalar, type Node } from 'yaml';
import { suggest } from '../suggest.js';
import type { FlowDef } from './model.js';
import { describeRef } from './expr.js';
import type { LocatedRef } from './job.js';
import { NAME_PATTERN } from './spec.js';
import { entries, type Reader } from './yaml.js';

/** A `vars:` mapping of names to text (numbers and booleans are taken as their text). */
export function readVars(reader: Reader, node: Node | null, what: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const map = reader.map(node, `"vars" of ${what}`);
  for (const e of map ? entries(map) : []) {
    if (!NAME_PATTERN.test(e.key)) {
      reader.diags.error('ORDO_BAD_VALUE', `variable name "${e.key}" of ${what} must start with a letter and hold only letters, digits, "_" or "-"`, reader.at(e.keyNode));
      continue;
    }
    const label = `variable "${e.key}" of ${what}`;
    if (!isScalar(e.value) || e.value.value === null || typeof e.value.value === 'object') {
      reader.bad(e.value, label, 'text (a number or true/false is taken as its text)');
      continue;
    }
    const value = String(e.value.value);
    if (value.includes('${{')) {
      reader.diags.error('ORDO_BAD_VALUE', `${label} holds "\${{": a variable is plain text, not an expression (a job names secrets, params or results itself)`, reader.at(e.value));
      continue;
    }
    vars[e.key] = value;
  }
  return vars;
}

/**
 * The variables of a new run: the flow's (its own over the project's), with `given` over them. A name the
 * flow does not have, or a value holding a NUL byte, is an error; all are reported.
 */
export function resolveVars(flow: Pick<FlowDef, 'name' | 'vars'>, given: Record<string, unknown> = {}): { values: Record<string, string>; errors: string[] } {
  const defaults = flow.vars ?? {};
  const values: Record<string, string> = { ...defaults };
  const errors: string[] = [];
  for (const [name, raw] of Object.entries(given)) {
    if (!Object.hasOwn(defaults, name)) {
      const known = Object.keys(defaults).join(', ') || 'none';
      errors.push(`flow "${flow.name}" has no variable ${JSON.stringify(name)}${suggest(name, Object.keys(defaults))} (variables: ${known})`);
      continue;
    }
    if (raw === null || typeof raw === 'object') {
      errors.push(`variable "${name}" must be text, got ${JSON.stringify(raw)}`);
      continue;
    }
    const value = String(raw);
    if (value.includes('\0')) errors.push(`variable "${name}" holds a NUL byte (\\0) at offset ${value.indexOf('\0')}: a job's command line and environment cannot carry one`);
    else values[name] = value;
  }
  return { values, errors };
}

/** `${{ vars.NAME }}` must name a variable of the flow or the project (ORDO_UNKNOWN_VAR where it is written). */
export function checkVarRefs(flow: string, vars: Record<string, string>, refs: { job: string; ref: LocatedRef }[]): void {
  const names = Object.keys(vars);
  for (const { job, ref: { ref, node, reader } } of refs) {
    if (ref.kind !== 'vars' || Object.hasOwn(vars, ref.name)) continue;
    reader.diags.error('ORDO_UNKNOWN_VAR', `\${{ ${describeRef(ref)} }} in job "${job}": neither flow "${flow}" nor ordo.yaml has variable "${ref.name}"${suggest(ref.name, names)} (variables: ${names.join(', ') || 'none'})`, reader.at(node));
  }
}
