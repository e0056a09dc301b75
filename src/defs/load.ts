/**
 * Loads a project directory: `ordo.yaml` (settings and templates) at its root, any other `.yaml`/`.yml`
 * file holding `flow:` (a flow) or `templates:` (a template library). Every problem of every file is
 * collected; the project is returned only when there is no error.
 */
import { readRetention } from './retention.js';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { isMap, type YAMLMap } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import type { SecretUse } from './secret-uses.js';
import { checkEmail, compileFlow } from './flow.js';
import { defaultSettings, type FlowDef, type Project, type ProjectSettings } from './model.js';
import { DEFINITION_YAML, isProjectDir, projectFiles, SETTINGS_FILE } from './project-root.js';
import { readConnectors, readGates } from './resources.js';
import { readHosts } from './hosts.js';
import { readBatch } from './batch.js';
import type { BatchPlan } from './batch-model.js';
import { readHandlers, readSmtp } from './handlers.js';
import { readVars } from './vars.js';
import { FLOW_KEYS, parseDuration, SETTINGS_KEYS, TEMPLATE_FILE_KEYS } from './spec.js';
import { TemplateRegistry } from './templates.js';
import { readTime, type TimeSection } from './time.js';
import { checkTriggers } from './triggers.js';
import { Diagnostics, entries, parseYaml, Reader, scalarValue } from './yaml.js';
import { closest, suggest } from '../suggest.js';

export interface LoadResult {
  project?: Project;
  diagnostics: Diagnostic[];
  /** Where the files name secrets (for a check against a store: secret-uses.ts). */
  secretUses?: SecretUse[];
}


export async function loadProject(dirPath: string): Promise<LoadResult> {
  const dir = resolve(dirPath);
  const diags = new Diagnostics();
  let files: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    files = projectFiles(dir, DEFINITION_YAML);
  } catch (err) {
    // Named as the caller named it (a server passes its own path, and shows the file as "."): Node's message
    // would repeat the absolute path, so only its code is kept.
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'it does not exist' : e.code === 'EACCES' ? 'permission denied' : e.code ?? e.message;
    diags.error('ORDO_NO_PROJECT', `cannot read the project directory ${dirPath}: ${why}`, { file: dirPath, line: 1, column: 1 });
    return { diagnostics: diags.list };
  }
  if (!isProjectDir(dir)) {
    diags.error('ORDO_NO_PROJECT', notAProject(dir), { file: dirPath, line: 1, column: 1 });
    return { diagnostics: diags.list };
  }

  const templates = new TemplateRegistry(diags);
  const settings: ProjectSettings = defaultSettings();
  const flowFiles: { reader: Reader; root: YAMLMap }[] = [];
  const batchFiles: { reader: Reader; root: YAMLMap }[] = [];
  const time: TimeSection = {};
  for (const path of files) {
    const rel = relative(dir, path).split(sep).join('/');
    const src = parseYaml(rel, await readFile(path, 'utf8'), diags);
    const reader = new Reader(src, diags);
    if (src.root === null) continue;
    const root = src.root;
    if (rel === SETTINGS_FILE) {
      const map = reader.map(root, SETTINGS_FILE);
      if (map) readSettings(reader, map, settings, templates, time, dir);
      continue;
    }
    if (!isMap(root)) continue; // not an Ordo file (other tools' YAML may live in the project)
    const keys = entries(root).map((e) => e.key);
    if (keys.includes('flow')) flowFiles.push({ reader, root });
    else if (keys.includes('batch')) batchFiles.push({ reader, root });
    else if (looksLikeFlow(reader, root)) continue;
    else if (keys.includes('templates')) {
      for (const e of reader.strictEntries(root, TEMPLATE_FILE_KEYS, 'a template file')) {
        const map = reader.map(e.value, '"templates"');
        if (map) templates.add(reader, map);
      }
    }
  }
  templates.checkAll();
  if (settings.handlers.length > 0 && files.some((f) => relative(dir, f) === SETTINGS_FILE)) {
    // The project's own e-mail handlers (a flow checks its own and its jobs').
    checkEmail(diags, [], settings.handlers.map((h) => ({ ...h, level: 'flow' as const })), settings);
  }
  await readTime(time, dir, settings);

  const flows = new Map<string, FlowDef>();
  for (const { reader, root } of flowFiles) {
    const flow = compileFlow(reader, root, templates, settings);
    if (!flow) continue;
    const previous = flows.get(flow.name);
    if (previous) {
      const nameNode = root.get('flow', true) as Parameters<Reader['at']>[0];
      diags.error('ORDO_DUPLICATE_FLOW', `flow "${flow.name}" is already declared in ${previous.file}`, reader.at(nameNode));
      continue;
    }
    flows.set(flow.name, flow);
  }
  checkTriggers(flows, settings, diags);
  const batches = readBatches(batchFiles, settings, diags);
  const diagnostics = [...diags.list].sort(byPlace);
  return diags.hasErrors ? { diagnostics, secretUses: diags.secretUses } : { project: { dir, settings, flows, batches }, diagnostics, secretUses: diags.secretUses };
}

/** The project's named batches (after ordo.yaml: they name its hosts); a name declared twice is an error. */
function readBatches(files: { reader: Reader; root: YAMLMap }[], settings: ProjectSettings, diags: Diagnostics): Map<string, BatchPlan> {
  const batches = new Map<string, BatchPlan>();
  for (const { reader, root } of files) {
    const plan = readBatch(reader, root, settings.hosts);
    if (!plan) continue;
    const previous = batches.get(plan.name);
    if (previous) {
      diags.error('ORDO_DUPLICATE_BATCH', `batch "${plan.name}" is already declared in ${previous.source}`, reader.at(root.get('batch', true) as Parameters<Reader['at']>[0]));
      continue;
    }
    batches.set(plan.name, plan);
  }
  return batches;
}

function readSettings(reader: Reader, map: YAMLMap, settings: ProjectSettings, templates: TemplateRegistry, time: TimeSection, dir: string): void {
  for (const e of reader.strictEntries(map, SETTINGS_KEYS, SETTINGS_FILE)) {
    if (e.key === 'maxParallel') settings.maxParallel = reader.integer(e.value, '"maxParallel"', 1) ?? settings.maxParallel;
    else if (e.key === 'logMaxBytes') settings.logMaxBytes = reader.integer(e.value, '"logMaxBytes"', 1024) ?? settings.logMaxBytes;
    else if (e.key === 'environment') settings.environment = reader.string(e.value, '"environment"') ?? settings.environment;
    else if (e.key === 'environmentColor') settings.environmentColor = reader.string(e.value, '"environmentColor"') ?? null;
    else if (e.key === 'connectors') {
      const c = reader.map(e.value, '"connectors"');
      if (c) readConnectors(reader, c, settings.connectors);
    } else if (e.key === 'gates') readGates(reader, e.value, settings.gates);
    else if (e.key === 'retention') settings.retention = readRetention(reader, e.value);
    else if (e.key === 'hosts') {
      const h = reader.map(e.value, '"hosts"');
      if (h) readHosts(reader, h, settings.hosts, dir);
    }
    else if (e.key === 'handlers') settings.handlers = readHandlers(reader, e.value, SETTINGS_FILE, 'project');
    else if (e.key === 'smtp') settings.smtp = readSmtp(reader, e.value);
    else if (e.key === 'vars') settings.vars = readVars(reader, e.value, SETTINGS_FILE);
    else if (e.key === 'calendars' || e.key === 'plans') {
      // Read after the whole file: plans name calendars, calendars import .ics files (async).
      time.reader = reader;
      time[e.key] = e.value;
    }
    else if (e.key === 'aging' || e.key === 'defaultEstimate') {
      const ms = parseDuration(scalarValue(e.value));
      if (ms === undefined || ms <= 0) reader.bad(e.value, `"${e.key}"`, 'a positive duration such as "1m"');
      else if (e.key === 'aging') settings.agingMs = ms;
      else settings.defaultEstimateMs = ms;
    } else {
      const t = reader.map(e.value, '"templates"');
      if (t) templates.add(reader, t);
    }
  }
}

/**
 * A file without `flow:` is not a flow, and other tools' YAML may live in the project, so it is skipped.
 * But one that has `jobs:`, or a misspelt `flow:` (`Flow:`, `flw:`) next to other flow keys, is a flow
 * whose name is missing: skipping it in silence would hide every job in it. Reports that; true if so.
 */
function looksLikeFlow(reader: Reader, root: YAMLMap): boolean {
  const list = entries(root);
  const typo = list.find((e) => e.key !== 'flow' && closest(e.key, ['flow']) !== undefined && !FLOW_KEYS.includes(e.key as never));
  const jobs = list.find((e) => e.key === 'jobs');
  const flowKeys = list.filter((e) => FLOW_KEYS.includes(e.key as never));
  if (!jobs && !(typo && flowKeys.length > 0)) return false;
  const at = typo ?? jobs!;
  const hint = typo ? suggest(typo.key, ['flow']) : '';
  reader.diags.error('ORDO_MISSING_KEY', `this file has ${typo ? `"${typo.key}:"` : '"jobs:"'} but no "flow:" key${hint}: a flow file names its flow with "flow: NAME"`,
    reader.at(at.keyNode));
  return true;
}

/** The one-line explanation, with what to do, for a directory that is not a project. */
export function notAProject(dir: string): string {
  if (!existsSync(dir)) return `the project directory ${dir} does not exist; cd into a project or pass --dir DIR (or set ORDO_PROJECT)`;
  return `no Ordo project in ${dir}: it has no ${SETTINGS_FILE} and no flow or workflow files; cd into a project or pass --dir DIR (or set ORDO_PROJECT), or create ${SETTINGS_FILE} here to make it one`;
}

function byPlace(a: Diagnostic, b: Diagnostic): number {
  return a.at.file.localeCompare(b.at.file) || a.at.line - b.at.line || a.at.column - b.at.column;
}
