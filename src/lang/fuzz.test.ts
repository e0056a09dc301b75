import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LANG_DIR, readDir } from '../../test/lang/support.js';
import { compileSources } from './compile.js';
import { DiagnosticBag } from './diagnostics.js';
import { parseFile } from './parser.js';
import type { Json, JsonObject } from './json.js';
import type { ActionDef, ParamSpec } from './program.js';
import { MemoryDriver, type ActionImpl } from './vm/memory-driver.js';

/**
 * Mutates valid programs thousands of times (seeded, so a failure can be replayed) and checks that the
 * compiler never throws nor fails internally, that a file it rejects always comes with an error, and
 * that whatever it accepts runs on the VM without crashing it.
 */
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 2_500);
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_601);
const NOISE = [':', '\t', ' ', '#', '[', ']', '"', "'", '(', ')', '.', '<', '>', '~', '/', '=', ',', '\n', '*', 'x', '0', '-'];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(text: string, rnd: () => number): string {
  const pick = (n: number): number => Math.floor(rnd() * n);
  const at = pick(text.length + 1);
  const lines = text.split('\n');
  const li = pick(lines.length);
  const lj = pick(lines.length);
  switch (pick(7)) {
    case 0: return text.slice(0, at) + text.slice(at + 1);
    case 1: return text.slice(0, at) + text.charAt(at) + text.slice(at);
    case 2: return text.slice(0, at) + text.charAt(at + 1) + text.charAt(at) + text.slice(at + 2);
    case 3: return text.slice(0, at) + (NOISE[pick(NOISE.length)] as string) + text.slice(at);
    case 4: return lines.filter((_, k) => k !== li).join('\n');
    case 5: return [...lines.slice(0, li + 1), lines[li] as string, ...lines.slice(li + 1)].join('\n');
    default: {
      const copy = [...lines];
      [copy[li], copy[lj]] = [copy[lj] as string, copy[li] as string];
      return copy.join('\n');
    }
  }
}

/** A stub that returns a value of each declared output's type. */
function stub(def: ActionDef): ActionImpl {
  const sample = (p: ParamSpec): Json => ({ number: 1, integer: 1, string: 's', boolean: true, array: [], object: {}, null: null } as Record<string, Json>)[p.type] ?? null;
  return async () => Object.fromEntries(Object.entries(def.out).map(([k, p]) => [k, sample(p)])) as JsonObject;
}

test('fuzz: mutated programs never crash the compiler or the VM', async () => {
  const dirs = [`${LANG_DIR}examples`, `${LANG_DIR}golden`];
  const actions = dirs.flatMap((d) => readDir(d, /\.ac$/));
  const valid = readDir(`${LANG_DIR}examples`);
  const seeds = valid.concat(readDir(`${LANG_DIR}golden`, /\.wf$/));
  const rnd = prng(SEED);
  const started = Date.now();
  let rejected = 0;
  let ran = 0;
  for (let k = 0; k < ITERATIONS; k++) {
    // Two thirds of the mutants come from the valid examples, the rest from the golden (invalid) files.
    const pool = rnd() < 2 / 3 ? valid : seeds;
    const base = pool[Math.floor(rnd() * pool.length)] as { path: string; text: string };
    let text = base.text;
    for (let m = 1 + Math.floor(rnd() * 3); m > 0; m--) text = mutate(text, rnd);
    const file = { path: base.path, text };
    const result = compileSources([...actions.filter((a) => a.path !== file.path), file]);
    const context = `iteration ${k} (FUZZ_SEED=${SEED}) of ${base.path}:\n${text}`;
    assert.ok(!result.diagnostics.some((d) => d.code === 'WF_INTERNAL'), `internal error at ${context}\n${result.diagnostics.map((d) => d.message).join('\n')}`);
    const errors = result.diagnostics.filter((d) => d.severity === 'error' && d.span.file === file.path);
    const accepted = [...result.workflows.values()].filter((w) => w.file === file.path);
    if (errors.length > 0) {
      rejected++;
      assert.equal(accepted.length, 0, `a workflow with errors was returned at ${context}`);
      continue;
    }
    const declared = parseFile(file.path, text, new DiagnosticBag()).decls.filter((d) => d.kind === 'workflow').map((d) => d.name);
    assert.deepEqual(accepted.map((w) => w.name).sort(), [...new Set(declared)].sort(), `a workflow without errors is missing at ${context}`);
    for (const wf of accepted) {
      const impls = Object.fromEntries([...result.actions.values()].map((a) => [a.name, stub(a)]));
      const driver = new MemoryDriver({ workflows: result.workflows, actions: result.actions, impls, maxTransitions: 3_000 });
      const input = Object.fromEntries(Object.entries(wf.in).map(([name, p]) => [name, p.type === 'string' ? 'foo' : p.type === 'array' ? [1] : 3])) as JsonObject;
      try {
        await driver.run(wf.name, input);
        ran++;
      } catch (err) {
        assert.match(String(err), /too many transitions/, `VM crashed at ${context}`);
      }
    }
  }
  console.log(`fuzz: ${ITERATIONS} mutants, ${rejected} rejected, ${ran} runs, ${Date.now() - started} ms`);
  assert.ok(rejected > ITERATIONS / 4, `only ${rejected} of ${ITERATIONS} mutants were rejected`);
  assert.ok(ran > 0);
  assert.ok(Date.now() - started < 20_000, `fuzzing took ${Date.now() - started} ms`);
});
