import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkTaskGraph, edgeCount } from './graph.js';
import { parseDax } from './dax.js';
import { FIXTURE_BENCHMARKS } from '../../test/support/benchmarks.js';

const DATA = FIXTURE_BENCHMARKS;

test('parses the real DAX files', () => {
  for (const [file, jobs, edges, reordered] of [
    ['CyberShake_30.xml', 30, 52, true],
    ['Epigenomics_24.xml', 24, 27, false],
    ['Montage_25.xml', 25, 45, false],
  ] as const) {
    const w = parseDax(readFileSync(join(DATA, 'wfcommons', 'dax', file), 'utf8'));
    assert.equal(w.version, '2.1', file);
    assert.equal(w.declaredJobs, jobs, file);
    assert.equal(w.graph.ids.length, jobs, file);
    assert.equal(edgeCount(w.graph), edges, file);
    assert.equal(checkTaskGraph(w.graph), null, file);
    assert.equal(w.graph.declared !== undefined, reordered, file);
  }
  const m = parseDax(readFileSync(join(DATA, 'wfcommons', 'dax', 'Montage_25.xml'), 'utf8')).graph;
  assert.equal(m.duration[m.ids.indexOf('ID00000')], 13.39);
  assert.deepEqual(
    m.preds[m.ids.indexOf('ID00005')]!.map((p) => m.ids[p]).sort(),
    ['ID00000', 'ID00001'],
  );
});

test('comments, quotes, entities, prefixes and other elements', () => {
  const w = parseDax(`<?xml version="1.0"?>
<!-- <job id="ghost" runtime="1"/> -->
<dax:adag xmlns:dax="x" name='t&amp;t' version="2.1">
  <filename file="f"/>
  <dax:job id='a&lt;1' runtime='2.5'><uses file="x" link="input"/></dax:job>
  <job id="b" runtime="1e1" name="n"></job>
  <child ref="b"><parent ref="a&lt;1"/><!-- <parent ref="nope"/> --></child>
  <child ref="a&lt;1"/>
</dax:adag>`);
  assert.equal(w.name, 't&t');
  assert.deepEqual(w.graph.ids, ['a<1', 'b']);
  assert.deepEqual(w.graph.duration, [2.5, 10]);
  assert.deepEqual(w.graph.preds, [[], [0]]);
});

test('bad DAX is rejected with the line', () => {
  assert.throws(() => parseDax('<job id="a" runtime="1"/>'), /no <adag> element/);
  assert.throws(() => parseDax('<adag>\n<job id="a"/></adag>'), /line 2: job "a" has no valid runtime/);
  assert.throws(() => parseDax('<adag><job id="a" runtime="x"/></adag>'), /no valid runtime/);
  assert.throws(() => parseDax('<adag><child ref="a"><parent ref="b"/></child></adag>'), /<child ref="a"> names no job/);
  assert.throws(() => parseDax('<adag><job id="a" runtime="1"/><parent ref="a"/></adag>'), /<parent> outside <child>/);
  assert.throws(() => parseDax('<adag><job id="a" runtime="1"/><job id="a" runtime="1"/></adag>'), /duplicate job id "a"/);
  assert.throws(() => parseDax('<adag><!-- x </adag>'), /unterminated comment/);
  assert.throws(() => parseDax('<adag><job id=a runtime="1"/></adag>'), /malformed attributes/);
  assert.throws(
    () => parseDax('<adag><job id="a" runtime="1"/><job id="b" runtime="1"/><child ref="a"><parent ref="b"/></child><child ref="b"><parent ref="a"/></child></adag>'),
    /cycle: /,
  );
});
