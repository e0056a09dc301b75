/**
 * The JobCenter service of `ordo server`: a workflow engine on the server's store with the project's
 * workflow and action files registered (its command actions run in the server), the service the
 * JobCenter methods use, and (once started) the sweep that adopts workflow runs nobody drives.
 */
import { formatDiagnostic } from '../../lang/diagnostics.js';
import type { JsonObject } from '../../lang/json.js';
import { isOwnerDead, newOwner } from '../../server/owner.js';
import type { OrdoStore } from '../../store/ordo-store.js';
import { openHost, type WfHost } from '../../wf/host.js';
import { compileProjectSources } from '../../wf/project.js';
import { JobCenterService, type JobCenterOptions } from './service.js';
import { startAdoptSweep } from './sweep.js';

export interface OpenJobCenterOptions extends Omit<JobCenterOptions, 'engine'> {
  store: OrdoStore;
  projectDir: string;
  stateDir: string;
  env?: NodeJS.ProcessEnv;
  /** How often to look for workflow runs nobody drives (default 30 s; it reads every unfinished run). */
  adoptEveryMs?: number;
  leaseMs?: number;
  /** The server's worker labels: its own command worker runs only actions whose labels these contain. */
  labels?: JsonObject;
}

export interface OpenJobCenter {
  service: JobCenterService;
  host: WfHost;
  /** Starts adopting runs nobody drives (once the server listens: one that cannot listen drives nothing). */
  adoptOrphans(): void;
  close(): Promise<void>;
}

export async function openJobCenter(opts: OpenJobCenterOptions): Promise<OpenJobCenter> {
  const { logger } = opts;
  const env = opts.env ?? process.env;
  const jobEnv: Record<string, string> = { ORDO_HOME: opts.stateDir, ORDO_PROJECT: opts.projectDir };
  if (env.DATABASE_URL) jobEnv.DATABASE_URL = env.DATABASE_URL;
  const leaseMs = opts.leaseMs ?? 15_000;
  const open = (compiled?: ReturnType<typeof compileProjectSources>) => openHost({
    store: opts.store, projectDir: opts.projectDir, stateDir: opts.stateDir, compiled, owner: newOwner(), isOwnerDead, env: jobEnv, leaseMs, labels: opts.labels ?? {},
  });
  const compiled = compileProjectSources(opts.projectDir);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  let host: WfHost;
  if (errors.length > 0) {
    logger.error({ errors: errors.map(formatDiagnostic) }, 'jcapi: the workflow files have errors; jobs use the versions already stored');
    host = await open();
  } else {
    try {
      host = await open(compiled);
    } catch (err) {
      logger.error({ err }, 'jcapi: the workflow files cannot be served; jobs use the versions already stored');
      host = await open();
    }
  }
  const service = new JobCenterService({ ...opts, engine: host.engine });
  let sweep: ReturnType<typeof startAdoptSweep> | null = null;
  return {
    service, host,
    adoptOrphans() {
      sweep ??= startAdoptSweep({ engine: host.engine, logger, everyMs: opts.adoptEveryMs ?? 30_000, leaseMs });
    },
    async close() {
      service.close();
      await sweep?.stop();
      await host.close();
    },
  };
}
