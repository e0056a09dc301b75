/**
 * The files one executor shares between the attempts of one run (layout in paths.ts): the run's inputs/
 * and results/ directories, made once; the input documents, written once per distinct content; and the
 * run's attempts.log, kept open while attempts of the run come and go.
 *
 * Everything an attempt needs before its process starts is synchronous and, once the run is under way,
 * creates nothing: at most a hash and an existence check for an input document not seen before, and, in a
 * run directory that this executor did not create, an existence check for what an earlier try of the same
 * attempt could have left. (Creating a file or a directory costs a few hundred microseconds of kernel time
 * on some machines: as much as the spawn itself.)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { attemptDir, inputFile, inputsDir, outputFile, procFile, procsDir, resultFile, resultsDir, runLogFile } from './paths.js';
import { RunLogWriter, formatRecord, type RecordKind } from './run-log.js';

/**
 * Keys of the engine's input that say which attempt it is for. They are in the environment already
 * (ORDO_RUN_ID, ORDO_FLOW, ORDO_JOB, ORDO_ATTEMPT) and would make every attempt's document different, so
 * they are left out of the file: it holds `{params, results}` (and whatever else the engine adds).
 */
const ATTEMPT_KEYS = new Set(['run', 'flow', 'job', 'attempt']);

/**
 * Input documents remembered per run, by their text: the map starts over when full, and long documents are
 * not kept (it only saves a hash and an existence check; at most 64 x 16 KiB per run in flight).
 */
const MAX_KNOWN_INPUTS = 64;
const MAX_KNOWN_INPUT_CHARS = 16 * 1024;

export class RunFiles {
  /** Attempts of the run in flight in this executor; the executor lets go of the run when it stays at 0. */
  active = 0;
  /** When `active` last dropped to 0 (ms since the epoch). */
  idleSince = 0;
  idleTimer: NodeJS.Timeout | undefined;
  private dirsReady = false;
  /**
   * Whether the run's directory was created by this object: then no file of an earlier try of an attempt
   * can be in it (attempts are numbered by the engine, and an executor never starts one twice).
   */
  private fresh = false;
  /** Input documents written or found by this object: text -> path. */
  private readonly inputs = new Map<string, string>();
  private readonly log: RunLogWriter;

  constructor(private readonly stateDir: string, readonly runId: string) {
    this.log = new RunLogWriter(runLogFile(stateDir, runId));
  }

  /**
   * Makes ready what an attempt's process is told about; returns the paths of ORDO_INPUT and ORDO_RESULT.
   * Throws when the state directory cannot be written.
   */
  prepare(job: string, attempt: number, input: Record<string, unknown>): { input: string; result: string } {
    try {
      if (!this.dirsReady) {
        // mkdir -p answers the first directory it made: the run's own (or one above) if the run had none.
        const inputs = inputsDir(this.stateDir, this.runId);
        const made = mkdirSync(inputs, { recursive: true });
        mkdirSync(resultsDir(this.stateDir, this.runId), { recursive: true });
        mkdirSync(procsDir(this.stateDir, this.runId), { recursive: true });
        this.fresh = made !== undefined && made !== inputs;
        this.dirsReady = true;
      }
      const result = resultFile(this.stateDir, this.runId, job, attempt);
      if (!this.fresh) {
        // Files of an earlier try of this attempt (the state directory outlived its store, or another
        // engine had the run) must not pass for this one's. The removal almost never happens.
        removeIfThere(result);
        for (const kind of ['pid', 'status', 'stop'] as const) removeIfThere(procFile(this.stateDir, this.runId, job, attempt, kind));
        if (existsSync(attemptDir(this.stateDir, this.runId, job, attempt))) {
          removeIfThere(outputFile(this.stateDir, this.runId, job, attempt, 'stdout'));
          removeIfThere(outputFile(this.stateDir, this.runId, job, attempt, 'stderr'));
        }
      }
      return { input: this.inputFile(input), result };
    } catch (err) {
      // Removed under us, perhaps: the next attempt makes the directories, and its input file, again.
      this.dirsReady = false;
      this.inputs.clear();
      throw err;
    }
  }

  /**
   * The file holding this input document, written if no attempt wrote the same content before. It is
   * written under a temporary name and renamed, so that nobody (another executor, a job) ever reads a
   * partial file; and read-only, since the attempts that share it must not change it for each other.
   */
  private inputFile(input: Record<string, unknown>): string {
    const doc: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) if (!ATTEMPT_KEYS.has(key)) doc[key] = value;
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    const known = this.inputs.get(text);
    if (known !== undefined) return known;
    const path = inputFile(this.stateDir, this.runId, createHash('sha1').update(text).digest('hex'));
    if (!existsSync(path)) {
      const tmp = `${path}.${process.pid}.tmp`;
      removeIfThere(tmp); // left by a crash, read-only
      writeFileSync(tmp, text, { mode: 0o444 });
      renameSync(tmp, path);
    }
    if (text.length <= MAX_KNOWN_INPUT_CHARS) {
      if (this.inputs.size >= MAX_KNOWN_INPUTS) this.inputs.clear();
      this.inputs.set(text, path);
    }
    return path;
  }

  /** Appends a line to the run's attempts.log, synchronously; never throws (a line may be lost). */
  record(kind: RecordKind, job: string, attempt: number, detail: string): void {
    this.log.append(formatRecord(kind, Date.now(), job, attempt, detail));
  }

  /** Closes attempts.log; a later record() opens it again for that line. */
  close(): void {
    this.log.close();
  }
}

function removeIfThere(path: string): void {
  if (!existsSync(path)) return;
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
