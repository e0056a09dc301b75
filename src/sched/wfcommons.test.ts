import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { totalWork } from './critical-path.js';
import { checkTaskGraph, edgeCount } from './graph.js';
import { parseWfCommons } from './wfcommons.js';
import { FIXTURE_BENCHMARKS, FULL_BENCHMARKS, NEEDS_FULL_SET } from '../../test/support/benchmarks.js';

// file, tasks, edges, first task, its runtime, total runtime (s)
const TRACES: [string, number, number, string, number, number][] = [
  ['pegasus/1000genome-chameleon-2ch-100k-001.json', 52, 76, 'individuals_ID0000001', 53.6, 2771.295],
  ['pegasus/cycles-chameleon-1l-1c-9p-001.json', 67, 97, 'baseline_cycles_ID0000001', 12.16, 862.699],
  ['pegasus/epigenomics-chameleon-hep-1seq-100k-001.json', 41, 48, 'chr21_chr21_ID0000001', 2.774, 539.307],
  ['pegasus/montage-chameleon-2mass-005d-001.json', 58, 114, 'mProject_ID0000001', 16.712, 221.726],
  ['pegasus/seismology-chameleon-100p-001.json', 101, 100, 'sG1IterDecon_ID0000001', 2.751, 71.893],
  ['pegasus/soykb-chameleon-10fastq-10ch-001.json', 96, 194, 'alignment_to_reference_ID0000001', 3.305, 11814.517],
  ['pegasus/srasearch-chameleon-10a-001.json', 22, 30, 'bowtie2-build_ID0000001', 6.352, 6996.779],
  ['makeflow/blast-chameleon-small-001.json', 43, 120, 'split_fasta_ID000001', 0.054023, 382.91272],
];

function checkTraces(dir: string, traces: typeof TRACES): void {
  for (const [file, tasks, edges, first, rt, total] of traces) {
    const w = parseWfCommons(readFileSync(join(dir, 'wfcommons', file), 'utf8'));
    const g = w.graph;
    assert.equal(w.schemaVersion, '1.5', file);
    assert.equal(g.ids.length, tasks, file);
    assert.equal(edgeCount(g), edges, file);
    assert.equal(checkTaskGraph(g), null, file);
    assert.equal(g.duration[g.ids.indexOf(first)], rt, file);
    assert.ok(Math.abs(totalWork(g) - total) < 1e-6, file);
    assert.equal(typeof w.recordedMakespan, 'number', file);
  }
}

test('parses the real WfCommons traces kept in the repository', () => {
  const kept = TRACES.filter(([file]) => existsSync(join(FIXTURE_BENCHMARKS, 'wfcommons', file)));
  assert.equal(kept.length, 2);
  checkTraces(FIXTURE_BENCHMARKS, kept);
});

test('parses every real WfCommons trace', { skip: NEEDS_FULL_SET }, () => {
  checkTraces(FULL_BENCHMARKS!, TRACES);
});

test('a trace declared out of topological order is reordered', () => {
  const w = parseWfCommons(readFileSync(join(FIXTURE_BENCHMARKS, 'wfcommons', 'pegasus', 'epigenomics-chameleon-hep-1seq-100k-001.json'), 'utf8'));
  assert.ok(w.graph.declared, 'the file lists some children before their parents');
  assert.equal(w.recordedMakespan, 594);
});

const doc = (tasks: object[], exec: object[]) =>
  JSON.stringify({ schemaVersion: '1.5', name: 'w', workflow: { specification: { tasks }, execution: { makespanInSeconds: 9, tasks: exec } } });

test('joins specification and execution on id; edges from parents and children', () => {
  const w = parseWfCommons(
    doc(
      [
        { id: 'b', parents: ['a'], children: [] },
        { id: 'a', parents: [], children: ['b', 'c'] },
        { id: 'c', parents: [] },
      ],
      [
        { id: 'c', runtimeInSeconds: 3 },
        { id: 'a', runtimeInSeconds: 1.5 },
        { id: 'b', runtimeInSeconds: 2 },
      ],
    ),
  );
  assert.equal(w.name, 'w');
  assert.equal(w.recordedMakespan, 9);
  assert.deepEqual(w.graph.ids, ['a', 'b', 'c']);
  assert.deepEqual(w.graph.duration, [1.5, 2, 3]);
  assert.deepEqual(w.graph.preds, [[], [0], [0]], 'a -> c comes from the children list only');
});

test('bad traces are rejected with a clear message', () => {
  assert.throws(() => parseWfCommons('{'), /invalid JSON/);
  assert.throws(() => parseWfCommons('{"workflow":{}}'), /workflow.specification should be an object/);
  assert.throws(() => parseWfCommons(doc([{ id: 'a', parents: [] }], [])), /"a" has no entry in workflow.execution.tasks/);
  assert.throws(() => parseWfCommons(doc([{ id: 'a', parents: [] }], [{ id: 'a' }])), /"a" has no valid runtimeInSeconds/);
  assert.throws(
    () => parseWfCommons(doc([{ id: 'a', parents: ['zz'] }], [{ id: 'a', runtimeInSeconds: 1 }])),
    /unknown task "zz"/,
  );
  assert.throws(
    () =>
      parseWfCommons(
        doc(
          [
            { id: 'a', parents: ['b'] },
            { id: 'b', parents: ['a'] },
          ],
          [
            { id: 'a', runtimeInSeconds: 1 },
            { id: 'b', runtimeInSeconds: 1 },
          ],
        ),
      ),
    /cycle: /,
  );
});
