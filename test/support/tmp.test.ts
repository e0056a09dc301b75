import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './tmp.js';

void test('tempDir makes a fresh directory and cleanup removes it with its content', () => {
  const a = tempDir('ordo-tmp-test-');
  const b = tempDir('ordo-tmp-test-');
  assert.notEqual(a.path, b.path);
  writeFileSync(join(a.path, 'f'), 'x');
  a.cleanup();
  a.cleanup();
  b.cleanup();
  assert.equal(existsSync(a.path), false);
  assert.equal(existsSync(b.path), false);
});
