import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../../test/support/tmp.js';
import { followFile, listAttempts, readAttemptLog } from './logs.js';
import { attemptDir, attemptFile } from './paths.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('attempt logs', () => {
  let dir: TempDir;
  before(() => (dir = tempDir('ordo-logs-')));
  after(() => dir.cleanup());

  it('lists attempt directories in numeric order', async () => {
    assert.deepEqual(await listAttempts(dir.path, '1', 'build'), []);
    for (const n of [10, 2, 1]) mkdirSync(attemptDir(dir.path, '1', 'build', n), { recursive: true });
    writeFileSync(join(dir.path, 'runs', '1', 'build', '3'), 'a file, not an attempt');
    mkdirSync(join(dir.path, 'runs', '1', 'build', 'tmp'));
    assert.deepEqual(await listAttempts(dir.path, '1', 'build'), [1, 2, 10]);
  });

  it('reads a stream, or nothing when it is missing', async () => {
    mkdirSync(attemptDir(dir.path, '2', 'j', 1), { recursive: true });
    writeFileSync(attemptFile(dir.path, '2', 'j', 1, 'stderr'), 'warn\n');
    assert.equal(await readAttemptLog(dir.path, '2', 'j', 1, 'stderr'), 'warn\n');
    assert.equal(await readAttemptLog(dir.path, '2', 'j', 1, 'stdout'), '');
    assert.equal(await readAttemptLog(dir.path, '2', 'nojob', 4, 'attempt'), '');
  });

  it('follows a file that appears and grows, and stops on abort after a last read', async () => {
    const path = join(dir.path, 'follow', 'out.log');
    const seen: string[] = [];
    const controller = new AbortController();
    const following = followFile(path, (c) => seen.push(c.toString()), { signal: controller.signal, pollMs: 10 });
    await tick(30); // the file does not exist yet
    mkdirSync(join(dir.path, 'follow'));
    writeFileSync(path, 'one\n');
    for (let i = 0; i < 200 && seen.join('') !== 'one\n'; i++) await tick(10);
    assert.equal(seen.join(''), 'one\n');
    appendFileSync(path, 'two\n');
    for (let i = 0; i < 200 && seen.join('') !== 'one\ntwo\n'; i++) await tick(10);
    assert.equal(seen.join(''), 'one\ntwo\n');
    controller.abort();
    appendFileSync(path, 'three\n'); // written before the follow's last read
    await following;
    assert.equal(seen.join(''), 'one\ntwo\nthree\n');
    appendFileSync(path, 'four\n');
    await tick(30);
    assert.equal(seen.join(''), 'one\ntwo\nthree\n');
  });

  it('prints what is there and returns when already aborted', async () => {
    const path = join(dir.path, 'done.log');
    writeFileSync(path, 'all of it');
    const seen: string[] = [];
    await followFile(path, (c) => seen.push(c.toString()), { signal: AbortSignal.abort(), pollMs: 1000 });
    assert.deepEqual(seen, ['all of it']);
  });
});
