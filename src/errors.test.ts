import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from './errors.js';
import { repoPath } from './paths.js';

test('every error code is documented in docs/cli.md with its exit status', () => {
  const doc = readFileSync(repoPath('docs', 'cli.md'), 'utf8');
  for (const [code, { exit }] of Object.entries(ERROR_CODES)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${exit} \\|`), `${code} is missing from docs/cli.md`);
  }
});
