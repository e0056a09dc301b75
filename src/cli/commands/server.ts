/** `ordo server`: the long-running engine. Drives every run that nobody else drives; resumes after a crash. */
import type { Command } from 'commander';
import { DEFAULT_LEASE_MS, openRuntime } from '../../server/runtime.js';
import { startAdoptLoop } from '../../server/scheduler-loop.js';
import { action, loadValidProject, parsePositiveInt, projectDir } from '../context.js';

export function registerServerCommand(program: Command): void {
  program.command('server')
    .description('run the scheduler: drive runs created with `ordo start`, resume unfinished runs after a crash')
    .option('-d, --dir <dir>', 'project directory')
    .option('--max-parallel <n>', 'maximum tasks running at once (default: ordo.yaml maxParallel)')
    .option('--poll <ms>', 'how often to look for new runs', '500')
    .action(action(async (opts: { dir?: string; maxParallel?: string; poll: string }) => {
      const dir = projectDir(opts);
      const project = await loadValidProject(dir);
      const maxParallel = opts.maxParallel ? parsePositiveInt(opts.maxParallel, '--max-parallel') : project.settings.maxParallel;
      const rt = await openRuntime({ projectDir: dir, maxParallel, logMaxBytes: project.settings.logMaxBytes, settings: project.settings });
      const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
      log(`ordo server: store ${rt.store.location}, owner ${rt.engine.owner}, max parallel ${maxParallel}`);
      rt.engine.onProgressChange(() => {});
      const loop = startAdoptLoop({
        engine: rt.engine, store: rt.store, everyMs: parsePositiveInt(opts.poll, '--poll'), leaseMs: DEFAULT_LEASE_MS,
        onAdopt: (id) => {
          log(`run ${id}: driving`);
          void rt.engine.drive(id).then((s) => log(`run ${id}: ${s.run.state}`));
        },
        onError: (err) => log(`error: ${err.message}`),
      });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      log('ordo server: stopping (running jobs go on; their runs are resumed by the next server)');
      await loop.stop();
      await rt.close();
      return 0;
    }));
}
