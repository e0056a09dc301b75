/**
 * The JSON Schemas in schemas/ describe the on-disk format that the loader reads (for editors). These tests
 * keep the two in step: every document the loader accepts validates, documents the loader rejects for their
 * shape fail the schema too, and the keys, names and value formats are the ones spec.ts and model.ts define.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { tempDir } from '../../test/support/tmp.js';
import { repoPath } from '../paths.js';
import { formatDiagnostic, type DiagnosticCode } from './diagnostics.js';
import { loadProject, type LoadResult } from './load.js';
import { CALENDAR_KEYS } from './time.js';
import { BATCH_KEYS, ROLLOUT_KEYS } from './batch.js';
import { BATCH_COMMAND_KEYS, COMMAND_MAP_KEYS } from './batch-commands.js';
import { EMAIL_KEYS, HANDLER_EVENTS, HANDLER_KEYS, SMTP_KEYS, WEBHOOK_KEYS } from './handlers.js';
import { PLAN_KEYS } from './time-plans.js';
import { CATCHUP_POLICIES, DEP_STATES, OVERLAP_POLICIES } from './model.js';
import {
  FLOW_KEYS, JOB_KEYS, JOB_KINDS, JOB_ONLY_KEYS, NAME_PATTERN, PARAM_KEYS, parseDuration, RETRY_KEYS, SETTINGS_KEYS,
  TEMPLATE_FILE_KEYS,
} from './spec.js';

/** The part of a JSON Schema these tests look into. */
interface Schema {
  $id?: string;
  title?: string;
  description?: string;
  properties?: Record<string, Schema>;
  definitions?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  pattern?: string;
}

type FileKind = 'ordo' | 'flow' | 'templates' | 'batch';
const KINDS: readonly FileKind[] = ['ordo', 'flow', 'templates', 'batch'];

function readSchema(kind: FileKind): Schema {
  return JSON.parse(readFileSync(repoPath('schemas', `${kind}.schema.json`), 'utf8')) as Schema;
}

const schemas = Object.fromEntries(KINDS.map((k) => [k, readSchema(k)])) as Record<FileKind, Schema>;

const validators = Object.fromEntries(KINDS.map((k) => {
  // Strict mode: unknown keywords, ignored keywords and loose types are compile errors. Union types
  // (`type: [string, number, boolean]`) are standard JSON Schema and are allowed.
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  return [k, ajv.compile(schemas[k])];
})) as Record<FileKind, ValidateFunction>;

function def(kind: FileKind, name: string): Schema {
  const d = schemas[kind].definitions?.[name];
  assert.ok(d, `${kind}.schema.json has no definition "${name}"`);
  return d;
}

function keys(schema: Schema | undefined): string[] {
  return Object.keys(schema?.properties ?? {}).sort();
}

/** Which schema describes a file, decided as the loader decides (load.ts); undefined: not an Ordo file. */
function kindOf(rel: string, doc: unknown): FileKind | undefined {
  if (rel === 'ordo.yaml') return 'ordo';
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  if ('flow' in doc) return 'flow';
  if ('batch' in doc) return 'batch';
  if ('templates' in doc) return 'templates';
  return undefined;
}

function schemaErrors(kind: FileKind, doc: unknown): string[] {
  const validate = validators[kind];
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

async function loadFiles(files: Record<string, string>): Promise<LoadResult> {
  const tmp = tempDir('ordo-schema-');
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(tmp.path, name)), { recursive: true });
      writeFileSync(join(tmp.path, name), text);
    }
    return await loadProject(tmp.path);
  } finally {
    tmp.cleanup();
  }
}

function errorsOf(result: LoadResult): string[] {
  return result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
}

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    if (ent.name.startsWith('.') || ent.name === 'node_modules' || ent.name === 'dist') continue;
    const path = join(dir, ent.name);
    if (ent.isDirectory()) out.push(...yamlFilesUnder(path));
    else if (/\.ya?ml$/.test(ent.name)) out.push(path);
  }
  return out;
}

/** Asserts that every Ordo file of a project the loader accepted validates against its schema. */
function assertFilesValidate(label: string, files: Record<string, string>, seen: Set<FileKind>): void {
  for (const [rel, text] of Object.entries(files)) {
    const doc: unknown = parse(text);
    const kind = kindOf(rel, doc);
    if (!kind) continue;
    seen.add(kind);
    assert.deepEqual(schemaErrors(kind, doc), [], `${label}: ${rel} should validate against ${kind}.schema.json`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Documents the loader accepts, covering every key and every form of every value.

const SETTINGS = `maxParallel: 8
logMaxBytes: 1048576
environment: test
aging: 30s
defaultEstimate: 2
gates:
  eod: { description: released by the end-of-day team }
  month_end: { open: true }
  spare:
connectors:
  dwh:
    maxParallel: 4
    credentials: vault:secret/dwh
    description: the warehouse
    environments:
      test: { host: dwh-test.example, port: 5432, tls: false }
      prod: { host: dwh.example }
  files: {}
templates:
  base:
    retries: { count: 2, delay: 30s, backoff: 2, maxDelay: 10m }
    timeout: 1h30m
    killGrace: 500ms
    env: { A: base, N: 3 }
    successCodes: [0, 3]
    description: the base of every step
  step:
    extends: base
    command: [run-step, "\${{ params.day }}"]
    cwd: work
    locks: [customers, { name: eod, mode: shared }, { name: orders }]
    connector: { name: dwh, exclusive: true }
    priority: immediate
    deadline: "2026-04-01T06:00:00+02:00"
    maxLoad: 1.5
    estimate: 20m
    enabled: true
  quiet: { kind: noop, priority: -5, deadline: "+1d 06:00" }
calendars:
  cz-banking:
    zone: Europe/Prague
    workingWeek: [mon, Tue, Wednesday, 4, fri]
    holidays:
      fixed: ["01-01", { date: "12-24", name: Christmas Eve }]
      easter: [-2, "+1", { offset: 39, name: Ascension }]
      dates: { "2026-12-31": New Year's Eve }
      ics: calendars/extra.ics
    description: Czech banking days
  de:
    holidays: { dates: ["2026-10-03", { date: "2026-10-31" }], fixed: { "12-26": Stephanstag }, easter: { "-2": Karfreitag }, ics: [calendars/extra.ics] }
  both: { union: [cz-banking, de], subtract: de }
plans:
  eod: { calendar: cz-banking, workingDays: true, at: "18:30" }
  ultimo: { calendar: cz-banking, workingDayOfMonth: [-1, 1], at: ["20:00", "+1d 01:30:15"], businessDay: previous }
  q15:
    zone: Europe/Prague
    cron: "*/15 * * * *"
    window: { from: "06:00", to: "24:00" }
    exclude: [de]
    weekdays: [mon, 5, Friday]
    months: [jan, December, 3]
    valid: { from: "2026-01-01", until: "2026-12-31" }
    workingDayOfMonth: 2
    businessDay: 0
  every15: { every: 15m, anchor: "2026-01-01T06:00", zone: UTC, businessDay: -1, description: every quarter hour }
  any_of: { union: eod }
  common: { intersect: [eod, q15], match: instant, description: both at once }
`;

const ICS = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//ordo//test//EN
BEGIN:VEVENT
UID:1@ordo
DTSTART;VALUE=DATE:20260501
SUMMARY:Labour Day
END:VEVENT
END:VCALENDAR
`;

const LIBRARY = `templates:
  scripted: { shell: "echo \${{ run.id }}", retries: 1, timeout: 90 }
  placeholder: { kind: command, extends: quiet }
`;

const NIGHTLY = `flow: nightly
description: every form of the flow file
maxParallel: 3
priority: 10
deadline: "+1d 06:00"
params:
  day: "2026-01-01"
  count: 3
  ratio: 0.5
  dry_run: false
  business_date: { type: string, default: "2026-01-01", description: the business day }
  label: { type: string, default: 42 }
  limit: { type: integer, default: "10", required: false }
  share: { type: number, default: 2.5 }
  scale: { type: number, default: "1e3" }
  verbose: { type: boolean, default: "true" }
  target: { required: true }
  note: { description: free text }
triggers:
  - plan: eod
  - cron: "0 18 * * 1-5"
    zone: Europe/Prague
  - cron: "0 6 * * *"
  - gate: eod
  - after: { flow: extract, state: [succeeded, failed] }
  - after: { flow: extract, state: aborted }
  - file: { path: "incoming/*.csv", settle: 30s }
  - file: { path: ready.flag }
overlap: queue-one
catchup: { policy: all, window: 1d, max: 5 }
jitter: 30s
runsPerBusinessDate: many
jobs:
  extract:
    command: [sh, -c, "echo extracting", 1, true]
    env: { DAY: "\${{ params.day }}", LIMIT: "\${{ params.limit }}" }
  load:
    extends: step
    after: extract
  load2:
    shell: "echo \${{ jobs.extract.result.rows }} \${{ jobs.extract.result.out.n }} \${{ kv.quiesce_lsn }}"
    after: [extract, { load: [succeeded, skipped] }]
    connector: files
    priority: 0
    deadline: "05:30"
    timeout: 0.5
  cleanup:
    kind: noop
    after: [{ load: failed, load2: aborted }, { extract: [expired, done] }]
  notify:
    extends: scripted
    after:
      - any: [load, { load2: failed }, { cleanup: [done] }]
  report:
    extends: base
    shell: echo report
    retries: 0
    successCodes: [0]
    enabled: false
    after: []
  any:
    extends: quiet
    after: [report]
  last: { extends: placeholder, command: [echo, last], after: [any] }
`;

const EXTRACT = `flow: extract
catchup: latest
overlap: cancel-previous
jobs:
  only: { kind: noop }
`;

const ACCEPTED: Record<string, Record<string, string>> = {
  'every form': {
    'ordo.yaml': SETTINGS,
    'calendars/extra.ics': ICS,
    'lib/templates.yaml': LIBRARY,
    'flows/nightly.yaml': NIGHTLY,
    'flows/extract.yml': EXTRACT,
    'other/tool.yaml': 'name: not an Ordo file\n',
  },
  'batches: groups with a command map, parallel over a selector': {
    'ordo.yaml': 'hosts:\n  web1: { labels: { role: web, os: linux } }\n  web2: { labels: { role: web, os: freebsd } }\n  db1: { labels: { role: db } }\n',
    'batches/deploy.yaml': `batch: deploy
description: roll out release 42
rollout: { groups: [[web1], [web2, db1]] }
maxFailures: 50%
timeout: 5m
env: { RELEASE: 42 }
cwd: /srv
commands:
  default: { shell: 'deploy "$RELEASE"' }
  os: { freebsd: { command: [/usr/local/bin/deploy, 42], timeout: 10m } }
  labels: { role=db: { shell: migrate, env: { DRY: false } } }
  hosts: { web1: { shell: 'deploy --canary', cwd: /tmp } }
`,
    'batches/web.yml': 'batch: web\nhosts: { labels: { role: web } }\nrollout: { parallel: 1 }\nmaxFailures: 1\ncommands: { default: { command: ["true"] } }\n',
  },
  'gates as a list, a minimal flow': {
    'ordo.yaml': 'gates: [eod, month_end]\n',
    'f.yaml': 'flow: f\ntriggers:\n  - gate: month_end\njobs:\n  a: { shell: x }\n',
  },
  'the loader test fixture': {
    'ordo.yaml': 'maxParallel: 4\n',
    'flows/nightly.yaml': `flow: nightly
params:
  business_date: { type: string, default: "2026-01-01" }
jobs:
  extract: { command: [sh, -c, "echo extracting"] }
  load:    { shell: "echo loading", after: [extract] }
  cleanup: { shell: "echo cleanup", after: [{ load: failed }] }
  report:  { shell: "echo report", after: [{ any: [load, cleanup] }] }
`,
  },
};

test('every schema compiles in strict mode and says what it is', () => {
  for (const kind of KINDS) {
    const s = schemas[kind];
    assert.match(s.$id ?? '', /^urn:ordo:schema:/, kind);
    assert.ok(s.title && s.description, `${kind}.schema.json needs a title and a description`);
    assert.equal(typeof validators[kind], 'function');
  }
});

test('the example projects validate against the schemas', async () => {
  const examples = readdirSync(repoPath('examples'), { withFileTypes: true }).filter((e) => e.isDirectory());
  assert.ok(examples.length > 0);
  const seen = new Set<FileKind>();
  for (const ex of examples) {
    const dir = repoPath('examples', ex.name);
    const result = await loadProject(dir);
    assert.deepEqual(errorsOf(result), [], `examples/${ex.name} should load`);
    const files = Object.fromEntries(yamlFilesUnder(dir).map((p) => [relative(dir, p).split(sep).join('/'), readFileSync(p, 'utf8')]));
    assertFilesValidate(`examples/${ex.name}`, files, seen);
  }
  assert.ok(seen.has('ordo') && seen.has('flow'));
});

test('documents the loader accepts, in every form, validate against the schemas', async () => {
  const seen = new Set<FileKind>();
  for (const [label, files] of Object.entries(ACCEPTED)) {
    const result = await loadFiles(files);
    assert.deepEqual(errorsOf(result), [], `${label}: the loader should accept it`);
    assert.ok(result.project, label);
    assertFilesValidate(label, files, seen);
  }
  assert.deepEqual([...seen].sort(), [...KINDS].sort());
});

// ---------------------------------------------------------------------------------------------------------
// Documents the loader rejects for their shape. Each is one file (with the valid files it needs beside it).

interface Rejected {
  label: string;
  file: string;
  text: string;
  code: DiagnosticCode;
  beside?: Record<string, string>;
}

/** A flow whose job `a` has the given body (flow-style YAML); jobs `b` and `any` exist to be waited on. */
const job = (body: string): string => `flow: f\njobs:\n  a: ${body}\n  b: { kind: noop }\n  any: { kind: noop }\n`;
/** A flow with the given header lines. */
const flow = (header: string): string => `flow: f\n${header}\njobs:\n  a: { kind: noop }\n`;
const tpl = (body: string): string => `templates:\n  t: ${body}\n`;

const REJECTED: Rejected[] = [
  // unknown keys
  { label: 'unknown job key', file: 'f.yaml', text: job('{ shell: x, colour: red }'), code: 'ORDO_UNKNOWN_KEY' },
  { label: 'unknown flow key', file: 'f.yaml', text: flow('schedule: daily'), code: 'ORDO_UNKNOWN_KEY' },
  { label: 'unknown settings key', file: 'ordo.yaml', text: 'colour: blue\n', code: 'ORDO_UNKNOWN_KEY' },
  { label: 'flow key in ordo.yaml', file: 'ordo.yaml', text: flow(''), code: 'ORDO_UNKNOWN_KEY' },
  { label: 'unknown key beside templates', file: 't.yaml', text: 'templates: {}\nextra: 1\n', code: 'ORDO_UNKNOWN_KEY' },
  { label: 'templates in a flow file', file: 'f.yaml', text: flow('templates: {}'), code: 'ORDO_UNKNOWN_KEY' },
  { label: 'unknown retries key', file: 'f.yaml', text: job('{ shell: x, retries: { count: 1, jitter: 2s } }'), code: 'ORDO_UNKNOWN_KEY' },
  { label: 'unknown parameter key', file: 'f.yaml', text: flow('params:\n  day: { type: string, format: date }'), code: 'ORDO_UNKNOWN_KEY' },
  { label: 'after in a template', file: 't.yaml', text: tpl('{ shell: x, after: [b] }'), code: 'ORDO_UNKNOWN_KEY' },
  { label: 'unknown lock key', file: 'f.yaml', text: job('{ shell: x, locks: [{ name: l, weight: 2 }] }'), code: 'ORDO_UNKNOWN_KEY' },
  { label: 'unknown connector key', file: 'ordo.yaml', text: 'connectors:\n  dwh: { host: x }\n', code: 'ORDO_UNKNOWN_KEY' },
  { label: 'unknown gate key', file: 'ordo.yaml', text: 'gates:\n  eod: { closed: true }\n', code: 'ORDO_UNKNOWN_KEY' },
  { label: 'two kinds in one trigger', file: 'f.yaml', text: flow('triggers:\n  - { plan: eod, gate: eod }'), code: 'ORDO_UNKNOWN_KEY' },
  { label: 'zone on a plan trigger', file: 'f.yaml', text: flow('triggers:\n  - { plan: eod, zone: UTC }'), code: 'ORDO_UNKNOWN_KEY' },
  { label: 'unknown catchup key', file: 'f.yaml', text: flow('catchup: { policy: all, every: 1d }'), code: 'ORDO_UNKNOWN_KEY' },
  // dependencies
  { label: 'bad state name', file: 'f.yaml', text: job('{ shell: x, after: [{ b: finished }] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'bad state in a list', file: 'f.yaml', text: job('{ shell: x, after: [{ b: [failed, ok] }] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'empty state list', file: 'f.yaml', text: job('{ shell: x, after: [{ b: [] }] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'state that is not text', file: 'f.yaml', text: job('{ shell: x, after: [{ b: 1 }] }'), code: 'ORDO_BAD_TYPE' },
  { label: 'after is a number', file: 'f.yaml', text: job('{ shell: x, after: 5 }'), code: 'ORDO_BAD_TYPE' },
  { label: 'after is empty', file: 'f.yaml', text: job('{ shell: x, after: }'), code: 'ORDO_BAD_TYPE' },
  { label: 'after entry is a list', file: 'f.yaml', text: job('{ shell: x, after: [[b]] }'), code: 'ORDO_BAD_TYPE' },
  { label: 'any beside another key', file: 'f.yaml', text: job('{ shell: x, after: [{ any: [b], b: done }] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'any that is not a list', file: 'f.yaml', text: job('{ shell: x, after: [{ any: b }] }'), code: 'ORDO_BAD_TYPE' },
  { label: 'empty any', file: 'f.yaml', text: job('{ shell: x, after: [{ any: [] }] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'nested any', file: 'f.yaml', text: job('{ shell: x, after: [{ any: [{ any: [b] }] }] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'after names a bad job name', file: 'f.yaml', text: job('{ shell: x, after: ["no such"] }'), code: 'ORDO_UNKNOWN_JOB' },
  // how a job runs
  { label: 'command not a list', file: 'f.yaml', text: job('{ command: "echo hello" }'), code: 'ORDO_BAD_TYPE' },
  { label: 'empty command', file: 'f.yaml', text: job('{ command: [] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'command element is a mapping', file: 'f.yaml', text: job('{ command: [echo, { a: 1 }] }'), code: 'ORDO_BAD_TYPE' },
  { label: 'command and shell', file: 'f.yaml', text: job('{ command: [echo], shell: echo }'), code: 'ORDO_BAD_VALUE' },
  { label: 'noop with a command', file: 'f.yaml', text: job('{ kind: noop, command: [echo] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'noop with a shell', file: 'f.yaml', text: job('{ kind: noop, shell: echo }'), code: 'ORDO_BAD_VALUE' },
  { label: 'neither command nor shell', file: 'f.yaml', text: job('{ cwd: / }'), code: 'ORDO_NO_COMMAND' },
  { label: 'kind command without a command', file: 'f.yaml', text: job('{ kind: command }'), code: 'ORDO_NO_COMMAND' },
  { label: 'unknown kind', file: 'f.yaml', text: job('{ kind: ssh, shell: x }'), code: 'ORDO_BAD_VALUE' },
  { label: 'shell is a list', file: 'f.yaml', text: job('{ shell: [echo, x] }'), code: 'ORDO_BAD_TYPE' },
  { label: 'cwd is a mapping', file: 'f.yaml', text: job('{ shell: x, cwd: { dir: x } }'), code: 'ORDO_BAD_TYPE' },
  { label: 'env is a list', file: 'f.yaml', text: job('{ shell: x, env: [A] }'), code: 'ORDO_BAD_TYPE' },
  { label: 'env value is a mapping', file: 'f.yaml', text: job('{ shell: x, env: { A: { b: 1 } } }'), code: 'ORDO_BAD_TYPE' },
  { label: 'env value is null', file: 'f.yaml', text: job('{ shell: x, env: { A: } }'), code: 'ORDO_BAD_TYPE' },
  { label: 'job body not a mapping', file: 'f.yaml', text: job('echo hello'), code: 'ORDO_BAD_TYPE' },
  // durations
  { label: 'bad duration', file: 'f.yaml', text: job('{ shell: x, timeout: soon }'), code: 'ORDO_BAD_TYPE' },
  { label: 'duration text without a unit', file: 'f.yaml', text: job('{ shell: x, timeout: "30" }'), code: 'ORDO_BAD_TYPE' },
  { label: 'duration with a space inside', file: 'f.yaml', text: job('{ shell: x, killGrace: 1h 30m }'), code: 'ORDO_BAD_TYPE' },
  { label: 'negative duration', file: 'f.yaml', text: job('{ shell: x, estimate: -1 }'), code: 'ORDO_BAD_TYPE' },
  { label: 'bad retry delay', file: 'f.yaml', text: job('{ shell: x, retries: { count: 1, delay: later } }'), code: 'ORDO_BAD_TYPE' },
  { label: 'bad jitter', file: 'f.yaml', text: flow('jitter: 30 seconds'), code: 'ORDO_BAD_TYPE' },
  { label: 'bad file settle', file: 'f.yaml', text: flow('triggers:\n  - file: { path: x, settle: soon }'), code: 'ORDO_BAD_TYPE' },
  { label: 'zero aging', file: 'ordo.yaml', text: 'aging: 0s\n', code: 'ORDO_BAD_TYPE' },
  { label: 'bad default estimate', file: 'ordo.yaml', text: 'defaultEstimate: a while\n', code: 'ORDO_BAD_TYPE' },
  // numbers and flags
  { label: 'negative retries', file: 'f.yaml', text: job('{ shell: x, retries: -1 }'), code: 'ORDO_BAD_VALUE' },
  { label: 'retries as text', file: 'f.yaml', text: job('{ shell: x, retries: two }'), code: 'ORDO_BAD_TYPE' },
  { label: 'backoff below 1', file: 'f.yaml', text: job('{ shell: x, retries: { count: 2, backoff: 0.5 } }'), code: 'ORDO_BAD_VALUE' },
  { label: 'fractional retry count', file: 'f.yaml', text: job('{ shell: x, retries: { count: 1.5 } }'), code: 'ORDO_BAD_TYPE' },
  { label: 'negative success code', file: 'f.yaml', text: job('{ shell: x, successCodes: [-1] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'success codes not a list', file: 'f.yaml', text: job('{ shell: x, successCodes: 0 }'), code: 'ORDO_BAD_TYPE' },
  { label: 'enabled: yes', file: 'f.yaml', text: job('{ shell: x, enabled: yes }'), code: 'ORDO_BAD_TYPE' },
  { label: 'description not text', file: 'f.yaml', text: job('{ shell: x, description: [a] }'), code: 'ORDO_BAD_TYPE' },
  { label: 'extends not text', file: 'f.yaml', text: job('{ shell: x, extends: [t] }'), code: 'ORDO_BAD_TYPE' },
  { label: 'negative maxLoad', file: 'f.yaml', text: job('{ shell: x, maxLoad: -1 }'), code: 'ORDO_BAD_VALUE' },
  { label: 'priority out of range', file: 'f.yaml', text: job('{ shell: x, priority: 1000 }'), code: 'ORDO_BAD_TYPE' },
  { label: 'priority as a word', file: 'f.yaml', text: job('{ shell: x, priority: high }'), code: 'ORDO_BAD_TYPE' },
  { label: 'bad deadline', file: 'f.yaml', text: job('{ shell: x, deadline: "25:00" }'), code: 'ORDO_BAD_VALUE' },
  { label: 'deadline without an offset', file: 'f.yaml', text: flow('deadline: "2026-04-01T06:00:00"'), code: 'ORDO_BAD_VALUE' },
  { label: 'flow maxParallel 0', file: 'f.yaml', text: flow('maxParallel: 0'), code: 'ORDO_BAD_VALUE' },
  { label: 'maxParallel as text', file: 'ordo.yaml', text: 'maxParallel: zero\n', code: 'ORDO_BAD_TYPE' },
  { label: 'logMaxBytes too small', file: 'ordo.yaml', text: 'logMaxBytes: 100\n', code: 'ORDO_BAD_VALUE' },
  { label: 'environment not text', file: 'ordo.yaml', text: 'environment: [test]\n', code: 'ORDO_BAD_TYPE' },
  // locks and connectors
  { label: 'bad lock mode', file: 'f.yaml', text: job('{ shell: x, locks: [{ name: l, mode: read }] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'lock without a name', file: 'f.yaml', text: job('{ shell: x, locks: [{ mode: shared }] }'), code: 'ORDO_MISSING_KEY' },
  { label: 'bad lock name', file: 'f.yaml', text: job('{ shell: x, locks: ["my lock"] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'a lock twice', file: 'f.yaml', text: job('{ shell: x, locks: [l, l] }'), code: 'ORDO_BAD_VALUE' },
  { label: 'locks not a list', file: 'f.yaml', text: job('{ shell: x, locks: l }'), code: 'ORDO_BAD_TYPE' },
  { label: 'connector without a name', file: 'f.yaml', text: job('{ shell: x, connector: { exclusive: true } }'), code: 'ORDO_MISSING_KEY' },
  { label: 'connector as a number', file: 'f.yaml', text: job('{ shell: x, connector: 5 }'), code: 'ORDO_BAD_TYPE' },
  { label: 'connector body empty', file: 'ordo.yaml', text: 'connectors:\n  dwh:\n', code: 'ORDO_BAD_TYPE' },
  { label: 'connector maxParallel 0', file: 'ordo.yaml', text: 'connectors:\n  dwh: { maxParallel: 0 }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'connector setting is a list', file: 'ordo.yaml', text: 'connectors:\n  dwh: { environments: { test: { host: [a] } } }\n', code: 'ORDO_BAD_TYPE' },
  { label: 'gate open: yes', file: 'ordo.yaml', text: 'gates:\n  eod: { open: yes }\n', code: 'ORDO_BAD_TYPE' },
  { label: 'gates as text', file: 'ordo.yaml', text: 'gates: eod\n', code: 'ORDO_BAD_TYPE' },
  // calendars and plans
  { label: 'unknown calendar key', file: 'ordo.yaml', text: 'calendars:\n  cz: { timezone: UTC }\n', code: 'ORDO_UNKNOWN_KEY' },
  { label: 'unknown holidays key', file: 'ordo.yaml', text: 'calendars:\n  cz: { holidays: { weekly: [sat] } }\n', code: 'ORDO_UNKNOWN_KEY' },
  { label: 'bad weekday', file: 'ordo.yaml', text: 'calendars:\n  cz: { workingWeek: [mon, funday] }\n', code: 'ORDO_BAD_TYPE' },
  { label: 'empty working week', file: 'ordo.yaml', text: 'calendars:\n  cz: { workingWeek: [] }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'working week not a list', file: 'ordo.yaml', text: 'calendars:\n  cz: { workingWeek: mon }\n', code: 'ORDO_BAD_TYPE' },
  { label: 'bad holiday date', file: 'ordo.yaml', text: 'calendars:\n  cz: { holidays: { dates: ["31.12.2026"] } }\n', code: 'ORDO_BAD_DATE' },
  { label: 'bad fixed holiday', file: 'ordo.yaml', text: 'calendars:\n  cz: { holidays: { fixed: ["13-01"] } }\n', code: 'ORDO_BAD_DATE' },
  { label: 'easter offset as a word', file: 'ordo.yaml', text: 'calendars:\n  cz: { holidays: { easter: [monday] } }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'holiday item without its date', file: 'ordo.yaml', text: 'calendars:\n  cz: { holidays: { dates: [{ name: x }] } }\n', code: 'ORDO_MISSING_KEY' },
  { label: 'calendar body empty', file: 'ordo.yaml', text: 'calendars:\n  cz:\n', code: 'ORDO_BAD_TYPE' },
  { label: 'bad calendar name', file: 'ordo.yaml', text: 'calendars:\n  "cz banking": {}\n', code: 'ORDO_BAD_VALUE' },
  { label: 'plan without a rule', file: 'ordo.yaml', text: 'plans:\n  eod: { workingDays: true }\n', code: 'ORDO_MISSING_KEY' },
  { label: 'plan with two rules', file: 'ordo.yaml', text: 'plans:\n  eod: { at: "18:00", cron: "0 18 * * *" }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'unknown plan key', file: 'ordo.yaml', text: 'plans:\n  eod: { at: "18:00", time: "18:00" }\n', code: 'ORDO_UNKNOWN_KEY' },
  { label: 'day rule on a union', file: 'ordo.yaml', text: 'plans:\n  a: { at: "18:00" }\n  b: { union: [a], weekdays: [mon] }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'anchor without every', file: 'ordo.yaml', text: 'plans:\n  a: { at: "18:00", anchor: "2026-01-01" }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'match without intersect', file: 'ordo.yaml', text: 'plans:\n  a: { at: "18:00" }\n  b: { union: [a], match: day }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'intersect of one plan', file: 'ordo.yaml', text: 'plans:\n  a: { at: "18:00" }\n  b: { intersect: [a] }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'bad time of day', file: 'ordo.yaml', text: 'plans:\n  eod: { at: "25:00" }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'every below a second', file: 'ordo.yaml', text: 'plans:\n  fast: { every: 500ms }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'window without its end', file: 'ordo.yaml', text: 'plans:\n  q: { cron: "* * * * *", window: { from: "06:00" } }\n', code: 'ORDO_MISSING_KEY' },
  { label: 'working day of month 0', file: 'ordo.yaml', text: 'plans:\n  p: { at: "18:00", workingDayOfMonth: 0 }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'bad business day rule', file: 'ordo.yaml', text: 'plans:\n  p: { at: "18:00", businessDay: next }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'bad month', file: 'ordo.yaml', text: 'plans:\n  p: { at: "18:00", months: [13] }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'two calendars for a plan', file: 'ordo.yaml', text: 'calendars:\n  a: {}\n  b: {}\nplans:\n  p: { at: "18:00", calendar: [a, b] }\n', code: 'ORDO_BAD_TYPE' },
  { label: 'bad validity date', file: 'ordo.yaml', text: 'plans:\n  p: { at: "18:00", valid: { from: tomorrow } }\n', code: 'ORDO_BAD_DATE' },
  // names
  { label: 'bad job name', file: 'f.yaml', text: 'flow: f\njobs:\n  1st: { kind: noop }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'bad flow name', file: 'f.yaml', text: 'flow: my flow\njobs:\n  a: { kind: noop }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'flow name not text', file: 'f.yaml', text: 'flow: [f]\njobs:\n  a: { kind: noop }\n', code: 'ORDO_BAD_TYPE' },
  { label: 'bad parameter name', file: 'f.yaml', text: flow('params:\n  _day: x'), code: 'ORDO_BAD_VALUE' },
  { label: 'bad template name', file: 't.yaml', text: 'templates:\n  my-step!: { shell: x }\n', code: 'ORDO_BAD_VALUE' },
  { label: 'bad connector name', file: 'ordo.yaml', text: 'connectors:\n  "1dwh": {}\n', code: 'ORDO_BAD_VALUE' },
  // flow structure
  { label: 'no jobs', file: 'f.yaml', text: 'flow: f\ndescription: x\n', code: 'ORDO_MISSING_KEY' },
  { label: 'empty jobs', file: 'f.yaml', text: 'flow: f\njobs: {}\n', code: 'ORDO_MISSING_KEY' },
  { label: 'jobs as a list', file: 'f.yaml', text: 'flow: f\njobs: [a]\n', code: 'ORDO_BAD_TYPE' },
  { label: 'templates not a mapping', file: 'ordo.yaml', text: 'templates: [step]\n', code: 'ORDO_BAD_TYPE' },
  { label: 'empty templates in a template file', file: 't.yaml', text: 'templates:\n', code: 'ORDO_BAD_TYPE' },
  { label: 'template body not a mapping', file: 't.yaml', text: tpl('echo'), code: 'ORDO_BAD_TYPE' },
  // parameters
  { label: 'unknown parameter type', file: 'f.yaml', text: flow('params:\n  day: { type: date }'), code: 'ORDO_BAD_VALUE' },
  { label: 'default of the wrong type', file: 'f.yaml', text: flow('params:\n  n: { type: integer, default: many }'), code: 'ORDO_BAD_TYPE' },
  { label: 'fractional integer default', file: 'f.yaml', text: flow('params:\n  n: { type: integer, default: 1.5 }'), code: 'ORDO_BAD_TYPE' },
  { label: 'boolean default as yes', file: 'f.yaml', text: flow('params:\n  b: { type: boolean, default: yes }'), code: 'ORDO_BAD_TYPE' },
  { label: 'null default', file: 'f.yaml', text: flow('params:\n  s: { type: string, default: }'), code: 'ORDO_BAD_TYPE' },
  { label: 'parameter without a value', file: 'f.yaml', text: flow('params:\n  s:'), code: 'ORDO_BAD_TYPE' },
  { label: 'parameter as a list', file: 'f.yaml', text: flow('params:\n  s: [a, b]'), code: 'ORDO_BAD_TYPE' },
  { label: 'required as text', file: 'f.yaml', text: flow('params:\n  s: { required: "yes" }'), code: 'ORDO_BAD_TYPE' },
  // triggers and their policies
  { label: 'trigger without a kind', file: 'f.yaml', text: flow('triggers:\n  - { every: 5m }'), code: 'ORDO_BAD_VALUE' },
  { label: 'trigger as text', file: 'f.yaml', text: flow('triggers:\n  - eod'), code: 'ORDO_BAD_TYPE' },
  { label: 'triggers as a mapping', file: 'f.yaml', text: flow('triggers: { plan: eod }'), code: 'ORDO_BAD_TYPE' },
  { label: 'the same trigger twice', file: 'f.yaml', text: flow('triggers:\n  - plan: eod\n  - plan: eod'), code: 'ORDO_BAD_VALUE' },
  { label: 'after trigger without a flow', file: 'f.yaml', text: flow('triggers:\n  - after: { state: failed }'), code: 'ORDO_MISSING_KEY' },
  {
    label: 'after trigger with a task state', file: 'f.yaml', text: flow('triggers:\n  - after: { flow: g, state: skipped }'), code: 'ORDO_BAD_VALUE',
    beside: { 'g.yaml': 'flow: g\njobs:\n  a: { kind: noop }\n' },
  },
  { label: 'file trigger without a path', file: 'f.yaml', text: flow('triggers:\n  - file: { settle: 5s }'), code: 'ORDO_MISSING_KEY' },
  { label: 'cron as a number', file: 'f.yaml', text: flow('triggers:\n  - cron: 5'), code: 'ORDO_BAD_TYPE' },
  { label: 'unknown overlap policy', file: 'f.yaml', text: flow('overlap: queue'), code: 'ORDO_BAD_VALUE' },
  { label: 'unknown catchup policy', file: 'f.yaml', text: flow('catchup: some'), code: 'ORDO_BAD_VALUE' },
  { label: 'catchup max 0', file: 'f.yaml', text: flow('catchup: { max: 0 }'), code: 'ORDO_BAD_VALUE' },
  { label: 'runsPerBusinessDate: two', file: 'f.yaml', text: flow('runsPerBusinessDate: two'), code: 'ORDO_BAD_VALUE' },
];

test('documents the loader rejects for their shape fail the schemas too', async () => {
  const labels = new Set<string>();
  for (const r of REJECTED) {
    assert.ok(!labels.has(r.label), `duplicate label ${r.label}`);
    labels.add(r.label);
    const doc: unknown = parse(r.text);
    const kind = kindOf(r.file, doc);
    assert.ok(kind, `${r.label}: not an Ordo file`);
    assert.notDeepEqual(schemaErrors(kind, doc), [], `${r.label}: ${kind}.schema.json should reject:\n${r.text}`);
    const result = await loadFiles({ [r.file]: r.text, ...r.beside });
    const errors = errorsOf(result);
    assert.equal(result.project, undefined, `${r.label}: the loader should reject:\n${r.text}`);
    assert.ok(errors.some((e) => e.includes(` ${r.code} `)), `${r.label}: expected ${r.code}, got:\n${errors.join('\n')}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// The vocabulary of the schemas is the loader's.

test('the schemas allow exactly the keys the loader allows', () => {
  const sorted = (list: readonly string[]) => [...list].sort();
  assert.deepEqual(keys(schemas.ordo), sorted(SETTINGS_KEYS));
  assert.deepEqual(keys(schemas.flow), sorted(FLOW_KEYS));
  assert.deepEqual(keys(schemas.templates), sorted(TEMPLATE_FILE_KEYS));
  assert.deepEqual(keys(def('flow', 'job')), sorted(JOB_KEYS));
  const templateKeys = sorted(JOB_KEYS.filter((k) => !JOB_ONLY_KEYS.includes(k)));
  assert.deepEqual(keys(def('ordo', 'template')), templateKeys);
  assert.deepEqual(keys(def('templates', 'template')), templateKeys);
  assert.deepEqual(keys(def('flow', 'paramSpec')), sorted(PARAM_KEYS));
  assert.deepEqual(keys(def('flow', 'handler')), sorted(HANDLER_KEYS));
  assert.deepEqual(keys(def('flow', 'handler').properties?.email), sorted(EMAIL_KEYS));
  assert.deepEqual(keys(def('flow', 'handler').properties?.webhook), sorted(WEBHOOK_KEYS));
  assert.deepEqual(def('flow', 'handlerEvent').enum, [...HANDLER_EVENTS]);
  assert.deepEqual(keys(schemas.ordo.properties?.smtp), sorted(SMTP_KEYS));
  const retryMap = def('flow', 'retries').anyOf?.find((s) => s.properties);
  assert.deepEqual(keys(retryMap), sorted(RETRY_KEYS));
  assert.deepEqual(keys(def('ordo', 'calendar')), sorted(CALENDAR_KEYS));
  // A plan is one of several shapes (by its rule key); together they hold every key of PLAN_KEYS.
  const planKeys = new Set((def('ordo', 'plan').oneOf ?? []).flatMap((shape) => keys(shape)));
  assert.deepEqual([...planKeys].sort(), sorted(PLAN_KEYS));
  assert.deepEqual(keys(schemas.batch), sorted(BATCH_KEYS));
  assert.deepEqual(keys(def('batch', 'rollout')), sorted(ROLLOUT_KEYS));
  assert.deepEqual(keys(def('batch', 'commandMap')), sorted(COMMAND_MAP_KEYS));
  assert.deepEqual(keys(def('batch', 'batchCommand')), sorted(BATCH_COMMAND_KEYS));
});

test('the schemas use the loader\'s names, states and policies', () => {
  assert.equal(def('flow', 'name').pattern, NAME_PATTERN.source);
  assert.deepEqual(def('flow', 'kind').enum, [...JOB_KINDS]);
  assert.deepEqual(def('flow', 'endState').enum, [...DEP_STATES]);
  assert.deepEqual(schemas.flow.properties?.overlap?.enum, [...OVERLAP_POLICIES]);
  assert.deepEqual(def('flow', 'catchupPolicy').enum, [...CATCHUP_POLICIES]);
});

test('definitions shared by several schemas are the same in each', () => {
  for (const a of KINDS) {
    for (const b of KINDS) {
      if (a >= b) continue;
      const defsA = schemas[a].definitions ?? {};
      const defsB = schemas[b].definitions ?? {};
      for (const name of Object.keys(defsA).filter((n) => n in defsB)) {
        assert.deepEqual(defsA[name], defsB[name], `definition "${name}" differs between ${a} and ${b}`);
      }
    }
  }
});

test('a duration is what parseDuration accepts', () => {
  const samples: unknown[] = [
    0, 30, 0.5, 90, -1, '500ms', '90s', '5m', '1h30m', '2d', '1.5h', ' 5m ', '5ms5s', '1h0m0s', '30', '', ' ', '5 m', '1h 30m',
    'm', '5x', '1.h', '.5s', '5M', 'soon', true, null, [1], { s: 1 },
  ];
  for (const value of samples) {
    const doc = { flow: 'f', jobs: { a: { kind: 'noop', timeout: value } } };
    const accepted = parseDuration(value) !== undefined;
    assert.equal(schemaErrors('flow', doc).length === 0, accepted, `timeout: ${JSON.stringify(value)}`);
  }
  for (const value of [0, 0.5, 60, '0s', '0.0m', '1m', '0.5s', '0ms1s', 'x', -5]) {
    const ms = parseDuration(value);
    const accepted = ms !== undefined && ms > 0;
    assert.equal(schemaErrors('ordo', { aging: value }).length === 0, accepted, `aging: ${JSON.stringify(value)}`);
  }
  // A plan's "every" is at least a second. (The schema judges part by part: "500ms500ms" is refused.)
  for (const value of [1, 0.5, 60, '1s', '999ms', '1000ms', '1500ms', '0.5s', '1.5s', '0.5m', '15m', '1h30m', '2d', '0s', '500ms', 'x']) {
    const ms = parseDuration(value);
    const accepted = ms !== undefined && ms >= 1000;
    assert.equal(schemaErrors('ordo', { plans: { p: { every: value } } }).length === 0, accepted, `every: ${JSON.stringify(value)}`);
  }
});
