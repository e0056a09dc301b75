import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WF_CODES } from './diagnostics.js';
import { FUNCTIONS } from './expr/functions.js';
import { ANSWERS } from './vm/effects.js';
import { ERROR_CLASSES } from './vm/errors.js';

/** docs/language.md documents every diagnostic code, function, error class and effect. */
const doc = readFileSync(fileURLToPath(new URL('../../../docs/language.md', import.meta.url)), 'utf8');

test('every diagnostic code is documented with its meaning', () => {
  for (const [code, { meaning }] of Object.entries(WF_CODES)) {
    assert.ok(doc.includes(`| \`${code}\` |`), `${code} is missing from docs/language.md`);
    assert.ok(doc.includes(meaning), `the meaning of ${code} differs from docs/language.md`);
  }
});

test('every function, error class and effect kind is documented', () => {
  for (const fn of Object.keys(FUNCTIONS)) assert.ok(doc.includes(`\`${fn}(`), `function ${fn}`);
  for (const cls of ERROR_CLASSES) assert.ok(doc.includes(`| \`${cls}\` |`), `error class ${cls}`);
  for (const [effect, events] of Object.entries(ANSWERS)) {
    assert.ok(doc.includes(`kind:'${effect}'`), `effect ${effect}`);
    for (const e of events) assert.ok(doc.includes(`kind:'${e}'`), `event ${e}`);
  }
});
