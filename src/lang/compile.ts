import type { Decl, SourceFile } from './ast.js';
import { isStackOverflow } from '../depth.js';
import { checkWorkflow } from './check.js';
import { actionConfig, evalSettings, workflowConfig } from './config.js';
import { DiagnosticBag, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { stripAssigns, stripStep, threadJumps } from './finalize.js';
import { buildParams, type SchemaMap } from './interfaces.js';
import { lowerWorkflow } from './lower.js';
import { parseFile } from './parser.js';
import { PROGRAM_FORMAT, type ActionDef, type CalleeSpec, type CompiledWorkflow } from './program.js';

/**
 * The compiler's entry point: every file parsed, every declaration resolved against all the others,
 * every workflow checked and lowered. It never throws on bad input: problems come back as diagnostics,
 * and a workflow or action is returned only when its file has no errors.
 */
export interface CompileOptions {
  /** JSON Schemas by name (the project's schema folder), usable as parameter types. */
  schemas?: SchemaMap;
  /** Told about a compiler bug with its stack (for a server's log); the diagnostic carries only its message. */
  onInternalError?: (err: unknown, file: string) => void;
}

export interface CompileResult {
  workflows: Map<string, CompiledWorkflow>;
  actions: Map<string, ActionDef>;
  diagnostics: Diagnostic[];
}

interface Entry {
  decl: Decl;
  file: string;
  spec: CalleeSpec;
}

export function compileSources(files: ReadonlyArray<{ path: string; text: string }>, opts: CompileOptions = {}): CompileResult {
  const diags = new DiagnosticBag();
  const schemas = opts.schemas ?? {};
  const parsed: SourceFile[] = [];
  for (const file of files) {
    // Editors on Windows start UTF-8 files with a byte-order mark; YAML allows one, and so do we. Removed
    // before anything else, so line 1's columns count from the first real character.
    const f = file.text.charCodeAt(0) === 0xfeff ? { path: file.path, text: file.text.slice(1) } : file;
    diags.addSource(f.path, f.text);
    guard(diags, f.path, () => parsed.push(parseFile(f.path, f.text, diags)), opts.onInternalError);
  }
  const registry = new Map<string, Entry>();
  for (const file of parsed) {
    for (const decl of file.decls) {
      checkFileKind(file.path, decl, diags);
      const owner = `${decl.kind} ${decl.name}`;
      const spec: CalleeSpec = { kind: decl.kind, in: buildParams(decl.in, schemas, diags, owner), out: buildParams(decl.out, schemas, diags, owner) };
      const previous = registry.get(decl.name);
      if (previous) {
        diags.report('WF_DUPLICATE_NAME', decl.nameSpan, `${decl.name} is also declared in ${previous.file}:${previous.decl.nameSpan.line}`);
        continue;
      }
      registry.set(decl.name, { decl, file: file.path, spec });
    }
  }
  const workflows = new Map<string, CompiledWorkflow>();
  const actions = new Map<string, ActionDef>();
  const built: Array<{ file: string; build: () => void }> = [];
  for (const [name, entry] of registry) {
    const { decl, file, spec } = entry;
    guard(diags, file, () => {
      const env = evalSettings(decl.env, diags, 'env:');
      const raw = evalSettings(decl.config, diags, 'config:');
      const roles = decl.roles.map((r) => r.name);
      if (decl.kind === 'action') {
        const def: ActionDef = { name, file, in: spec.in, out: spec.out, env, roles, config: actionConfig(decl.config, raw, diags), raw };
        built.push({ file, build: () => actions.set(name, def) });
        return;
      }
      const callee = (n: string): CalleeSpec | undefined => registry.get(n)?.spec;
      const lowered = lowerWorkflow(decl, { callee, diags });
      checkWorkflow({ decl, lowered, args: spec.in, outs: spec.out, callee, calleeNames: () => registry.keys(), diags });
      const config = workflowConfig(decl.config, raw, diags);
      const steps = threadJumps(lowered.steps).map(stripStep);
      const program: CompiledWorkflow = {
        format: PROGRAM_FORMAT, name, file, in: spec.in, out: spec.out, env, roles, config, rawConfig: raw,
        locks: decl.locks.map((l) => ({ type: l.lockType, value: l.value, manual: l.manual, inherit: l.inherit })),
        wfomap: stripAssigns(lowered.wfomap), steps, tries: lowered.tries, callees: calleesOf(steps, callee),
      };
      built.push({ file, build: () => workflows.set(name, program) });
    }, opts.onInternalError);
  }
  const failed = new Set(diags.items.filter((d) => d.severity === 'error').map((d) => d.span.file));
  for (const b of built) if (!failed.has(b.file)) b.build();
  return { workflows, actions, diagnostics: sortDiagnostics(diags.items) };
}

function calleesOf(steps: CompiledWorkflow['steps'], callee: (n: string) => CalleeSpec | undefined): Record<string, CalleeSpec> {
  const out: Record<string, CalleeSpec> = {};
  const add = (name: string): void => {
    const spec = callee(name);
    if (spec && !Object.hasOwn(out, name)) Object.defineProperty(out, name, { value: spec, enumerable: true, writable: true, configurable: true });
  };
  for (const s of steps) {
    if (s.op === 'call' || s.op === 'map' || s.op === 'detach') add(s.callee);
    if (s.op === 'split') for (const f of s.flows) add(f.callee);
  }
  return out;
}

function checkFileKind(path: string, decl: Decl, diags: DiagnosticBag): void {
  const ext = /\.(wf|ac)$/.exec(path)?.[1];
  if ((ext === 'wf' && decl.kind !== 'workflow') || (ext === 'ac' && decl.kind !== 'action')) {
    diags.report('WF_FILE_KIND', decl.span, `a .${ext} file must declare ${ext === 'wf' ? 'a workflow' : 'an action'}, not ${decl.kind === 'workflow' ? 'a workflow' : 'an action'}`);
  }
  const base = path.replace(/^.*[\\/]/, '').replace(/\.(wf|ac)$/, '');
  if (ext && base !== decl.name) {
    diags.report('WF_FILE_NAME', decl.nameSpan, `${decl.kind} ${decl.name} is in ${base}.${ext}; name the file ${decl.name}.${ext}`);
  }
}

/**
 * A compiler bug must not take the caller down: it becomes a diagnostic (the fuzz test looks for these).
 * The diagnostic reaches clients (the API's flows.reload, compile results), so it holds one line of text;
 * the stack goes to `onInternalError`, which servers point at their log. Input nested so deeply that
 * recursion ran out of stack is the input's problem, and is said so.
 */
export function guard(diags: DiagnosticBag, file: string, fn: () => void, onInternalError?: (err: unknown, file: string) => void): void {
  try {
    fn();
  } catch (err) {
    const at = { file, line: 1, col: 1, endLine: 1, endCol: 2 };
    if (isStackOverflow(err)) {
      diags.report('WF_SYNTAX', at, 'the file nests blocks or expressions too deeply for the compiler');
      return;
    }
    onInternalError?.(err, file);
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    diags.report('WF_INTERNAL', at, `internal compiler error: ${first.slice(0, 200)}`);
  }
}

