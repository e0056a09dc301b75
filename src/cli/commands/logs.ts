/** `ordo logs RUN JOB [--follow]`: an attempt's captured output. */
import { suggest } from '../../suggest.js';
import type { Command } from 'commander';
import { OrdoError } from '../../errors.js';
import { followAttemptLog, listAttempts, readAttemptLog } from '../../exec/logs.js';
import { isTaskEnded } from '../../engine/store.js';
import { action, parsePositiveInt, parseRunId, READ_ONLY, stateDir, storeFor } from '../context.js';

interface LogOptions {
  dir?: string;
  attempt?: string;
  stream: string;
  follow?: boolean;
}

const STREAMS = ['all', 'stdout', 'stderr', 'attempt'] as const;
type Stream = (typeof STREAMS)[number];

export function registerLogsCommand(program: Command): void {
  program.command('logs <run> <job>')
    .description("print a job's output, stdout and stderr in the order written (latest attempt unless --attempt)")
    .option('-d, --dir <dir>', 'project directory')
    .option('-a, --attempt <n>', 'attempt number')
    .option('-s, --stream <stream>', 'all (stdout and stderr as written) | stdout | stderr | attempt (START/FINISH lines)', 'all')
    .option('-f, --follow', 'keep printing new output until the job ends')
    .action(action(async (runText: string, job: string, opts: LogOptions) => {
      const runId = parseRunId(runText);
      if (!STREAMS.includes(opts.stream as Stream)) {
        throw new OrdoError('ORDO_BAD_ARGUMENT', `--stream must be one of ${STREAMS.join(', ')}, got "${opts.stream}"`);
      }
      const stream = opts.stream as Stream;
      const dir = stateDir(opts);
      const store = await storeFor(opts, READ_ONLY);
      try {
        const tasks = await store.getTasks(runId);
        const task = tasks.find((t) => t.job === job);
        if (!task) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} has no job "${job}"${suggest(job, tasks.map((t) => t.job))}`);
        const attempts = await listAttempts(dir, String(runId), job);
        const attempt = opts.attempt ? parsePositiveInt(opts.attempt, '--attempt') : attempts[attempts.length - 1];
        if (attempt === undefined) {
          if (!opts.follow) throw new OrdoError('ORDO_NOT_FOUND', `job "${job}" of run ${runId} has not run yet (${task.state})`);
        }
        if (!opts.follow) {
          process.stdout.write(await readAttemptLog(dir, String(runId), job, attempt!, stream));
          return;
        }
        const controller = new AbortController();
        const target = attempt ?? Math.max(1, task.attempts);
        const stop = setInterval(() => {
          void store.getTasks(runId).then((tasks) => {
            const t = tasks.find((x) => x.job === job);
            if (!t || isTaskEnded(t.state) || t.attempts > target) controller.abort();
          }).catch(() => controller.abort());
        }, 500);
        process.once('SIGINT', () => controller.abort());
        try {
          await followAttemptLog(dir, String(runId), job, target, stream, (chunk) => process.stdout.write(chunk),
            { signal: controller.signal, pollMs: 200 });
        } finally {
          clearInterval(stop);
        }
      } finally {
        await store.close();
      }
    }));
}
