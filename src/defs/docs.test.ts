/**
 * docs/definitions.md is the users' reference of the definition format: every diagnostic code is in its
 * table with an example in the `file:line:column: CODE message` format, and its annotated example loads.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/support/tmp.js';
import { repoPath } from '../paths.js';
import { DIAGNOSTIC_CODES, formatDiagnostic } from './diagnostics.js';
import { loadProject } from './load.js';

const DOC = readFileSync(repoPath('docs', 'definitions.md'), 'utf8');

/** The text of a `## ` section, up to the next one. */
function section(title: string): string {
  const start = DOC.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `docs/definitions.md has no section "${title}"`);
  const end = DOC.indexOf('\n## ', start + 1);
  return DOC.slice(start, end < 0 ? undefined : end);
}

/** The rows of the diagnostic table: code -> the rest of the row. */
function codeRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of section('Diagnostic codes').split('\n')) {
    const m = /^\| `(ORDO_[A-Z_]+)` \|(.*)\|\s*$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!);
  }
  return rows;
}

test('every diagnostic code is documented in docs/definitions.md', () => {
  const rows = codeRows();
  const missing = Object.keys(DIAGNOSTIC_CODES).filter((code) => !rows.has(code));
  assert.deepEqual(missing, [], 'add a row to the "Diagnostic codes" table of docs/definitions.md for each');
});

test('the diagnostic table documents no code that does not exist, each with an example', () => {
  for (const [code, row] of codeRows()) {
    assert.ok(code in DIAGNOSTIC_CODES, `${code} is documented but is not in DIAGNOSTIC_CODES`);
    assert.match(row, new RegExp(`\`\\S+:\\d+:\\d+: ${code} [^\`]+\``), `${code}: the example should read \`file:line:column: ${code} message\``);
  }
});

test('the annotated example of docs/definitions.md loads without any diagnostic', async () => {
  // Code blocks whose first line is `# file: PATH` make up one project.
  const files = new Map<string, string>();
  for (const m of DOC.matchAll(/```yaml\n# file: (\S+)\n([\s\S]*?)```/g)) files.set(m[1]!, m[2]!);
  assert.ok(files.has('ordo.yaml') && files.size >= 2, 'the example should have ordo.yaml and a flow');
  const tmp = tempDir('ordo-docs-');
  try {
    for (const [name, text] of files) {
      mkdirSync(dirname(join(tmp.path, name)), { recursive: true });
      writeFileSync(join(tmp.path, name), text);
    }
    const { project, diagnostics } = await loadProject(tmp.path);
    assert.deepEqual(diagnostics.map(formatDiagnostic), []);
    assert.ok(project && project.flows.size > 0);
  } finally {
    tmp.cleanup();
  }
});
