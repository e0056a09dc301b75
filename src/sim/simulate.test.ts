import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { join } from 'node:path';
import { repoPath } from '../paths.js';
import { FIXTURE_BENCHMARKS } from '../../test/support/benchmarks.js';
import { catalogOf } from '../engine/resources.js';
import { buildTaskGraph } from '../sched/graph.js';
import { planPriorities } from '../sched/planner.js';
import { parseStg } from '../sched/stg.js';
import { compileProject } from '../testkit/index.js';
import { simulateFlow, simulateGraph } from './simulate.js';

const STG = join(FIXTURE_BENCHMARKS, 'stg', '50');
const stgFile = (name: string) => join(STG, name);

test('the engine on a virtual clock achieves exactly the planner\'s makespan on STG graphs', async () => {
  for (const name of ['rand0001.stg', 'rand0006.stg']) {
    const g = parseStg(readFileSync(stgFile(name), 'utf8'), name).graph;
    for (const m of [2, 4]) {
      const r = await simulateGraph(g, { slots: m, unitMs: 1000 });
      assert.equal(r.makespan, planPriorities(g, m).makespan, `${name} m=${m}`);
      assert.ok(r.makespan >= Math.ceil(r.lowerBound) - 1e-9);
    }
  }
});

test('bounds: a chain takes its critical path; independent tasks fill the slots', async () => {
  const chain = buildTaskGraph(['a', 'b', 'c'], [2, 3, 4], [[], ['a'], ['b']]);
  assert.deepEqual(await simulateGraph(chain, { slots: 4, unitMs: 1000 }), { makespan: 9, lowerBound: 9, criticalPath: 9, work: 9, slots: 4, tasks: 3 });
  const wide = buildTaskGraph(['a', 'b', 'c', 'd'], [1, 1, 1, 1], [[], [], [], []]);
  assert.equal((await simulateGraph(wide, { slots: 2, unitMs: 1000 })).makespan, 2);
});

test('a flow keeps its locks in a simulation', async () => {
  const project = await compileProject({
    'ordo.yaml': '', 'f.yaml': 'flow: f\njobs:\n  a: { shell: x, locks: [db] }\n  b: { shell: x, locks: [db] }\n  c: { shell: x }\n',
  });
  const r = await simulateFlow(project.flows.get('f')!, new Map([['a', 5], ['b', 5], ['c', 5]]), { slots: 3, unitMs: 1000, catalog: catalogOf(project.settings) });
  assert.equal(r.makespan, 10, 'a and b exclude each other although slots are free');
  assert.equal(r.lowerBound, 5);
});

test('ordo simulate --stg --json prints the documented figures', () => {
  const out = execFileSync(process.execPath, [repoPath('dist/src/cli/main.js'), 'simulate', '--stg', stgFile('rand0001.stg'), '--slots', '2', '--json'], { encoding: 'utf8' });
  const r = JSON.parse(out) as Record<string, number>;
  assert.deepEqual(Object.keys(r).slice(0, 4), ['makespan', 'lowerBound', 'criticalPath', 'work']);
  assert.equal(r.lowerBound, Math.max(r.criticalPath!, r.work! / 2));
  assert.ok(r.makespan! >= r.lowerBound!);
});
