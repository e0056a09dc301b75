import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { LANG_DIR, readDir } from '../../test/lang/support.js';
import { compileSources } from './compile.js';
import { formatDiagnostic } from './diagnostics.js';

/**
 * Golden files: every test/lang/golden/NAME.wf is compiled with the .ac files beside it, and the
 * formatted diagnostics for that file must equal NAME.expected. Run with UPDATE_GOLDEN=1 to rewrite
 * the expected files after a deliberate change (and review the diff).
 */
const dir = `${LANG_DIR}golden`;
const actions = readDir(dir, /\.ac$/);

for (const file of readDir(dir, /\.wf$/)) {
  test(`golden ${file.path}`, () => {
    const { diagnostics } = compileSources([...actions, file]);
    const text = `${diagnostics.filter((d) => d.span.file === file.path).map(formatDiagnostic).join('\n')}\n`;
    const expectedPath = `${dir}/${file.path.replace(/\.wf$/, '.expected')}`;
    if (process.env.UPDATE_GOLDEN) writeFileSync(expectedPath, text);
    assert.equal(text, readFileSync(expectedPath, 'utf8'));
  });
}
