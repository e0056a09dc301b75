import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileSources, type CompileResult } from '../../src/lang/compile.js';
import { formatDiagnostic } from '../../src/lang/diagnostics.js';
import type { JsonObject } from '../../src/lang/json.js';
import { MemoryDriver, type ActionImpl, type RunResult } from '../../src/lang/vm/memory-driver.js';

/** Helpers for the language tests: inline sources, the example folder, one-call runs. */
export const LANG_DIR = fileURLToPath(new URL('../../../test/lang/', import.meta.url));

/** Removes the indentation common to all non-blank lines, so sources can be written inline. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

export function compile(sources: Record<string, string>): CompileResult {
  return compileSources(Object.entries(sources).map(([path, text]) => ({ path, text: dedent(text) })));
}

export function errorsOf(result: CompileResult): string[] {
  return result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
}

/** Compiles and fails loudly (with every diagnostic) when anything is wrong. */
export function mustCompile(sources: Record<string, string>): CompileResult {
  const result = compile(sources);
  const errors = errorsOf(result);
  if (errors.length > 0) throw new Error(`unexpected diagnostics:\n${errors.join('\n')}`);
  return result;
}

export function readDir(dir: string, pattern = /\.(wf|ac)$/): Array<{ path: string; text: string }> {
  return readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => ({ path: f, text: readFileSync(`${dir}/${f}`, 'utf8') }));
}

export const add: ActionImpl = async (input) => ({ counter: (input.counter as number) + (input.step as number) });

export const ADD_AC = `
  action add:
    in:
      counter number
      step number 1
    out:
      counter number
`;

/** Seed 001's first example: `calltest {input: 123}` gives `{output: 126}` with the `add` action. */
export const CALLTEST_WF = `
  workflow calltest:
    in:
      input number
    out:
      output number
    wfomap:
      output = v.thing
    do:
      call add:
        counter = a.input
        step = 3
      into:
        thing = o.counter
`;

export async function runInline(sources: Record<string, string>, workflow: string, input: JsonObject,
  impls: Record<string, ActionImpl> = { add }): Promise<RunResult & { driver: MemoryDriver }> {
  const { workflows, actions } = mustCompile(sources);
  const driver = new MemoryDriver({ workflows, actions, impls, jsonRoundTrip: true });
  return { ...(await driver.run(workflow, input)), driver };
}
