import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../../test/support/tmp.js';
import { followAttemptLog, followFile, listAttempts, readAttemptLog } from './logs.js';
import { attemptDir, legacyAttemptLogFile, outputFile, runDir, runLogFile } from './paths.js';
import { formatRecord, recordOf } from './run-log.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('attempt logs', () => {
  let dir: TempDir;
  before(() => (dir = tempDir('ordo-logs-')));
  after(() => dir.cleanup());

  it('formats attempts.log lines on one line each and reads back their job and attempt', () => {
    const line = formatRecord('ABORT', Date.UTC(2025, 0, 2, 3, 4, 5), 'build', 12, 'operator\n  said\r\nso');
    assert.equal(line, 'ABORT 2025-01-02T03:04:05.000Z job=build attempt=12 operator said so\n');
    assert.deepEqual(recordOf(line.trimEnd()), { job: 'build', attempt: 12 });
    assert.deepEqual(recordOf(formatRecord('FINISH', 0, 'b', 1, '').trimEnd()), { job: 'b', attempt: 1 });
    assert.equal(recordOf('START 2025-01-02T03:04:05.000Z job=build attempt=x1'), undefined);
    assert.equal(recordOf(''), undefined);
  });

  it("lists attempts from the run's attempts.log and from attempt directories, in numeric order", async () => {
    assert.deepEqual(await listAttempts(dir.path, '1', 'build'), []);
    mkdirSync(runDir(dir.path, '1'), { recursive: true });
    writeFileSync(runLogFile(dir.path, '1'), [
      formatRecord('START', 0, 'build', 3, 'pid=1 argv=["x"]'),
      formatRecord('START', 0, 'test', 7, 'pid=2 argv=["y"]'),
      formatRecord('FINISH', 0, 'build', 3, 'duration=1ms status=succeeded exit=0 signal=-'),
      formatRecord('ERROR', 0, 'build', 11, 'cannot start'),
    ].join(''));
    for (const n of [10, 2, 1, 3]) mkdirSync(attemptDir(dir.path, '1', 'build', n), { recursive: true });
    writeFileSync(join(dir.path, 'runs', '1', 'build', '4'), 'a file, not an attempt');
    mkdirSync(join(dir.path, 'runs', '1', 'build', 'tmp'));
    assert.deepEqual(await listAttempts(dir.path, '1', 'build'), [1, 2, 3, 10, 11]);
    assert.deepEqual(await listAttempts(dir.path, '1', 'test'), [7]);
  });

  it('reads a stream, or nothing when it is missing', async () => {
    mkdirSync(attemptDir(dir.path, '2', 'j', 1), { recursive: true });
    writeFileSync(outputFile(dir.path, '2', 'j', 1, 'stderr'), 'warn\n');
    assert.equal(await readAttemptLog(dir.path, '2', 'j', 1, 'stderr'), 'warn\n');
    assert.equal(await readAttemptLog(dir.path, '2', 'j', 1, 'stdout'), '');
    assert.equal(await readAttemptLog(dir.path, '2', 'nojob', 4, 'attempt'), '');
    assert.equal(await readAttemptLog(dir.path, '404', 'nojob', 4, 'attempt'), '');
  });

  it("reads an attempt's lines of the run's attempts.log, or an older run's attempt.log", async () => {
    const lines = [
      formatRecord('START', 0, 'j', 1, 'pid=1'), formatRecord('START', 0, 'j', 2, 'pid=2'),
      formatRecord('START', 0, 'jj', 1, 'pid=3'), formatRecord('FINISH', 0, 'j', 1, 'status=failed'),
    ];
    mkdirSync(runDir(dir.path, '3'), { recursive: true });
    writeFileSync(runLogFile(dir.path, '3'), lines.join(''));
    assert.equal(await readAttemptLog(dir.path, '3', 'j', 1, 'attempt'), lines[0]! + lines[3]!);
    assert.equal(await readAttemptLog(dir.path, '3', 'jj', 1, 'attempt'), lines[2]);
    mkdirSync(attemptDir(dir.path, '3', 'old', 1), { recursive: true });
    writeFileSync(legacyAttemptLogFile(dir.path, '3', 'old', 1), 'START x pid=9 attempt=1\n');
    assert.equal(await readAttemptLog(dir.path, '3', 'old', 1, 'attempt'), 'START x pid=9 attempt=1\n');
  });

  it("follows an attempt's lines of the run's attempts.log, whole lines only", async () => {
    const seen: string[] = [];
    const controller = new AbortController();
    const following = followAttemptLog(dir.path, '4', 'j', 2, 'attempt', (c) => seen.push(c.toString()),
      { signal: controller.signal, pollMs: 10 });
    await tick(30); // the run has not started
    mkdirSync(runDir(dir.path, '4'), { recursive: true });
    const mine = formatRecord('START', 0, 'j', 2, 'pid=1 argv=["é"]');
    appendFileSync(runLogFile(dir.path, '4'), formatRecord('START', 0, 'j', 1, 'pid=2') + mine.slice(0, 20));
    await tick(40);
    assert.deepEqual(seen, []); // half a line is not handed on
    appendFileSync(runLogFile(dir.path, '4'), mine.slice(20) + formatRecord('START', 0, 'k', 2, 'pid=3'));
    for (let i = 0; i < 200 && seen.join('') !== mine; i++) await tick(10);
    assert.equal(seen.join(''), mine);
    const last = formatRecord('FINISH', 0, 'j', 2, 'status=succeeded');
    appendFileSync(runLogFile(dir.path, '4'), last);
    controller.abort();
    await following;
    assert.equal(seen.join(''), mine + last);
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
