/**
 * `ordo server` as a function: the engine (openRuntime), the sweep that adopts runs nobody drives, and the
 * API beside them, on one store. The CLI command parses options and calls this; tests call it directly.
 */
import type { Logger } from 'pino';
import type { LimiterOptions } from '../auth/limiter.js';
import type { Role } from '../auth/roles.js';
import type { Project } from '../defs/model.js';
import { OrdoError } from '../errors.js';
import { leaseMsFrom, openRuntime, type Runtime } from '../server/runtime.js';
import { startAdoptLoop } from '../server/scheduler-loop.js';
import { startHandlerDispatcher } from '../alerts/start.js';
import { startLeading } from '../server/leading.js';
import type { Leadership } from '../server/leadership.js';
import { SystemClock } from '../engine/clock.js';
import { startApiServer, type ApiServer } from './http.js';
import { startJcListener, type JcListener } from './jcapi/listener.js';
import { openJobCenter, type OpenJobCenter } from './jcapi/open.js';
import { ProjectHolder } from './project.js';
import { listSecrets } from '../secrets/vault.js';
import type { WfHost } from '../wf/host.js';
import type { JsonObject } from '../lang/json.js';

export interface OrdoServerOptions {
  project: Project;
  logger: Logger;
  version: string;
  host: string;
  port: number;
  /** Serve the API (default true); without it, only the scheduler runs. */
  api?: boolean;
  maxParallel?: number;
  /** Adopt-loop period (ms). */
  pollMs?: number;
  env?: NodeJS.ProcessEnv;
  tls?: { cert: string | Buffer; key: string | Buffer };
  maxMessageBytes?: number;
  anonymousRole?: Role | null;
  /** Web origins besides the server's own that browsers may call the API from (`--allow-origin`). */
  allowOrigins?: readonly string[];
  /** Serve /metrics without a token (`--metrics-public`). */
  metricsPublic?: boolean;
  /** Failed authentications allowed per client address. */
  rateLimit?: LimiterOptions;
  /** How often open connections check their credential while idle (default 5 s). */
  recheckMs?: number;
  feedPollMs?: number;
  checkResults?: boolean;
  /** Run the trigger scheduler (default true). */
  triggers?: boolean;
  /** The JobCenter netstring listener (`--jcapi-listen`); it needs the API. */
  jcapi?: { host: string; port: number; tls?: { cert: string | Buffer; key: string | Buffer } };
  /** A WebSocket worker not heard from for this long is declared dead (default 30 s). */
  workerTimeoutMs?: number;
  /** What this server is as a worker (`--labels`): its command worker runs only actions whose labels these contain. */
  labels?: JsonObject;
  /**
   * Timings of the JobCenter service (`--jcapi-ping` and `--jcapi-ping-timeout` set the two ping timings;
   * tests make them all short).
   */
  jobcenter?: {
    offerTimeoutMs?: number; pollMs?: number; pingMs?: number; pingTimeoutMs?: number; helloTimeoutMs?: number; frameTimeoutMs?: number;
    adoptEveryMs?: number; reconnectGraceMs?: number;
  };
}

export interface OrdoServer {
  rt: Runtime;
  api: ApiServer | null;
  /** The API's base URL, null without an API. */
  url: string | null;
  /** The JobCenter service (workflow runs as jobs, remote workers), with the API. */
  jobcenter: OpenJobCenter | null;
  /** The JobCenter netstring listener, when `jcapi` was given. */
  jcapi: JcListener | null;
  /** This server's place among the servers of the store: `term` is set while it leads (docs/servers.md). */
  leadership: Leadership;
  /** Stops the API, the sweep and the engine (running jobs go on; the next server adopts their runs). */
  close(): Promise<void>;
}

const LISTEN_CODES = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/** A listener that could not start: the address's fault (ORDO_CANNOT_LISTEN) or the options' (ORDO_BAD_ARGUMENT). */
function listenError(what: string, host: string, port: number, err: unknown): OrdoError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && LISTEN_CODES.has(code)) {
    const why = code === 'EADDRINUSE' ? 'the address is in use (another ordo server?)' : code === 'EACCES' ? 'not permitted' : 'no such local address';
    return new OrdoError('ORDO_CANNOT_LISTEN', `${what} cannot listen on ${host}:${port}: ${why} (${code})`);
  }
  return new OrdoError('ORDO_BAD_ARGUMENT', `cannot serve ${what} on ${host}:${port}: ${(err as Error).message}`);
}

export async function startOrdoServer(opts: OrdoServerOptions): Promise<OrdoServer> {
  const { project, logger } = opts;
  // With the API, jobs of kind workflow run on the JobCenter service's engine (one workflow engine per
  // server): its remote workers are told of their tasks at once, and a reload reaches both.
  let shareHost!: (host: WfHost) => void;
  const sharedHost = new Promise<WfHost>((resolve) => (shareHost = resolve));
  const rt = await openRuntime({
    projectDir: project.dir, maxParallel: opts.maxParallel ?? project.settings.maxParallel, logMaxBytes: project.settings.logMaxBytes,
    settings: project.settings, env: opts.env, workflowHost: opts.api === false ? undefined : () => sharedHost,
    agents: { logger },
  });
  const drive = (id: number) => {
    logger.info({ run: id }, 'driving run');
    rt.engine.drive(id).then(
      (s) => logger.info({ run: id, state: s.run.state }, 'run ended'),
      (err: Error) => logger.error({ run: id, err }, 'driving the run failed'),
    );
  };
  // The API listens before the engine adopts anything: a server that cannot listen has driven nothing.
  let api: ApiServer | null = null;
  let jobcenter: OpenJobCenter | null = null;
  let jcapi: JcListener | null = null;
  const timings = opts.jobcenter ?? {};
  try {
    if (opts.api !== false) jobcenter = await openJobCenter({
      store: rt.store, projectDir: project.dir, stateDir: rt.stateDir, env: opts.env, logger, workerTimeoutMs: opts.workerTimeoutMs,
      offerTimeoutMs: timings.offerTimeoutMs, pollMs: timings.pollMs, adoptEveryMs: timings.adoptEveryMs, reconnectGraceMs: timings.reconnectGraceMs,
      labels: opts.labels,
    });
    const host = jobcenter?.host;
    if (host) shareHost(host);
    if (opts.api !== false) api = await startApiServer({
      services: {
        store: rt.store, engine: rt.engine, project: new ProjectHolder(project, host ? (compiled) => host.reload(compiled) : undefined,
          async () => new Set((await listSecrets(rt.store.sql)).map((r) => r.name))),
        stateDir: rt.stateDir, version: opts.version,
        startedAt: Date.now(), now: () => Date.now(), jobcenter: jobcenter?.service, ...(rt.agents && { agents: rt.agents }), sshHosts: rt.sshHosts,
        ...(rt.masterKey && { masterKey: rt.masterKey }),
        runCreated: (id) => void rt.engine.tryAdopt(id).then((adopted) => adopted && drive(id), (err: Error) => logger.error({ run: id, err }, 'adopting a new run failed')),
      },
      logger, host: opts.host, port: opts.port, tls: opts.tls, maxMessageBytes: opts.maxMessageBytes, anonymousRole: opts.anonymousRole,
      feedPollMs: opts.feedPollMs, checkResults: opts.checkResults, allowOrigins: opts.allowOrigins, metricsPublic: opts.metricsPublic,
      rateLimit: opts.rateLimit, recheckMs: opts.recheckMs, environmentName: (opts.env ?? process.env).ORDO_ENV || undefined,
    });
  } catch (err) {
    await jobcenter?.close();
    await rt.close();
    throw listenError('the API', opts.host, opts.port, err);
  }
  if (api) logger.info({ url: api.url }, 'ordo server: API listening');
  if (api && jobcenter) {
    const { metrics } = api.app;
    jobcenter.service.onStats((s) => {
      metrics.workers.set(s.workers);
      metrics.workerSlots.set(s.slots);
    });
  }
  if (opts.jcapi) {
    try {
      if (!api || !jobcenter) throw new Error('the JobCenter listener needs the API (--listen is none)');
      jcapi = await startJcListener({
        app: api.app, service: jobcenter.service, logger, host: opts.jcapi.host, port: opts.jcapi.port, tls: opts.jcapi.tls,
        pingMs: timings.pingMs, pingTimeoutMs: timings.pingTimeoutMs, helloTimeoutMs: timings.helloTimeoutMs, frameTimeoutMs: timings.frameTimeoutMs,
      });
    } catch (err) {
      await api?.close();
      await jobcenter?.close();
      await rt.close();
      throw listenError('the JobCenter API', opts.jcapi.host, opts.jcapi.port, err);
    }
    logger.info({ url: jcapi.url }, 'ordo server: JobCenter listener listening');
  }
  jobcenter?.adoptOrphans();
  // Runs created or reopened through the API are adopted by this sweep (within `pollMs`), like those of
  // `ordo start`: the engine's adoption of one run must not overlap with another adoption of the same run.
  const loop = startAdoptLoop({
    engine: rt.engine, store: rt.store, everyMs: opts.pollMs ?? 500, leaseMs: leaseMsFrom(),
    onAdopt: drive, onError: (err) => logger.error({ err }, 'adopt loop'),
  });
  // Event handlers: deliveries queued with their events are made here (docs/alerts.md).
  const handlers = startHandlerDispatcher(rt, project.dir, () => project.settings, logger, opts.env);
  // The leader's duties (docs/servers.md): of all servers on the store, the one holding the scheduler lease runs
  // the triggers (the runs their fires create are driven here at once; adoption is idempotent with the
  // sweep's) and retention. The server registers in `servers` and heartbeats there.
  const env = opts.env ?? process.env;
  const leadership = await startLeading({
    project, store: rt.store, stateDir: rt.stateDir, clock: new SystemClock(), logger, env, triggers: opts.triggers, onRun: drive,
    server: { id: rt.engine.owner, version: opts.version, apiUrl: api?.url ?? null },
  });
  return {
    rt, api, url: api?.url ?? null, jobcenter, jcapi, leadership,
    async close() {
      await leadership.stop();
      // No more offers nor recoveries: the connections that close now leave their claimed tasks as they are.
      jobcenter?.service.close();
      await jcapi?.close();
      await api?.close();
      await jobcenter?.close();
      await loop.stop();
      await handlers.stop();
      await rt.close();
    },
  };
}
