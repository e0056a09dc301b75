/**
 * `ordo server`: the long-running engine. Drives every run that nobody else drives; resumes after a crash;
 * serves the API (JSON-RPC 2.0 over HTTP and WebSocket, REST, /metrics) on `--listen`. Logs go to stderr:
 * JSON lines (pino), or readable lines on a terminal (cli/log-output.ts). With `--jcapi-listen` it also
 * speaks the JobCenter protocol (netstrings over TCP or TLS).
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../api/rpc/core.js';
import { parseAllowedOrigin } from '../../api/origin.js';
import { startOrdoServer } from '../../api/serve.js';
import { isRole, ROLES, type Role } from '../../auth/roles.js';
import { OrdoError } from '../../errors.js';
import { repoPath } from '../../paths.js';
import { action, loadValidProject, parsePositiveInt, projectDir } from '../context.js';
import { LOG_FORMATS, logFormatOf, serverLogger } from '../log-output.js';

export const DEFAULT_LISTEN = '127.0.0.1:6580';
/** JobCenter's jcapi port. */
export const DEFAULT_JCAPI_LISTEN = '127.0.0.1:6522';

interface ServerOptions {
  dir?: string;
  maxParallel?: string;
  poll: string;
  listen?: string;
  tlsCert?: string;
  tlsKey?: string;
  maxMessageBytes?: string;
  anonymous?: string;
  logLevel: string;
  logFormat?: string;
  jcapiListen?: string;
  jcapiTlsCert?: string;
  jcapiTlsKey?: string;
  workerTimeout?: string;
  jcapiPing?: string;
  jcapiPingTimeout?: string;
  labels?: string;
  allowOrigin: string[];
  metricsPublic?: boolean;
}

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new OrdoError('ORDO_BAD_ARGUMENT', `--listen expects HOST:PORT (e.g. ${DEFAULT_LISTEN}), got "${text}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function tlsOf(cert: string | undefined, key: string | undefined, prefix = ''): { cert: Buffer; key: Buffer } | undefined {
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new OrdoError('ORDO_BAD_ARGUMENT', `TLS needs both --${prefix}tls-cert and --${prefix}tls-key`);
  try {
    return { cert: readFileSync(cert), key: readFileSync(key) };
  } catch (err) {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `cannot read the TLS certificate or key: ${(err as Error).message}`);
  }
}

/** The JobCenter listener's address (`--jcapi-listen`, ORDO_JCAPI_LISTEN), off by default. */
/** `zone=dmz,os=linux` -> `{zone: 'dmz', os: 'linux'}`. */
export function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === undefined) return labels;
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z_][\w.-]*)\s*=\s*(\S(?:.*\S)?)\s*$/.exec(part);
    if (!m) throw new OrdoError('ORDO_BAD_ARGUMENT', `--labels expects name=value pairs separated by commas, such as zone=dmz,os=linux; got "${part}"`);
    labels[m[1]!] = m[2]!;
  }
  return labels;
}

function jcapiOf(opts: ServerOptions): { host: string; port: number; tls?: { cert: Buffer; key: Buffer } } | undefined {
  const text = opts.jcapiListen ?? process.env.ORDO_JCAPI_LISTEN;
  const tls = tlsOf(opts.jcapiTlsCert, opts.jcapiTlsKey, 'jcapi-');
  if (text === undefined || text === 'none') {
    if (tls) throw new OrdoError('ORDO_BAD_ARGUMENT', '--jcapi-tls-cert and --jcapi-tls-key need --jcapi-listen');
    return undefined;
  }
  try {
    return { ...parseListen(text), tls };
  } catch {
    throw new OrdoError('ORDO_BAD_ARGUMENT', `--jcapi-listen expects HOST:PORT (e.g. ${DEFAULT_JCAPI_LISTEN}), got "${text}"`);
  }
}

export function registerServerCommand(program: Command): void {
  program.command('server')
    .description('run the scheduler and serve the API: drive runs created with `ordo start`, resume unfinished runs after a crash')
    .option('-d, --dir <dir>', 'project directory')
    .option('--max-parallel <n>', 'maximum tasks running at once (default: ordo.yaml maxParallel)')
    .option('--poll <ms>', 'how often to look for new runs', '500')
    .option('--listen <host:port>', `where the API listens, or "none" (default ${DEFAULT_LISTEN}; ORDO_LISTEN)`)
    .option('--tls-cert <file>', 'serve HTTPS/WSS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--max-message-bytes <n>', `largest API message accepted (default ${DEFAULT_MAX_MESSAGE_BYTES})`)
    .option('--anonymous <role>', `role of API callers without a token (${ROLES.join('|')}; default: none, only health)`)
    .option('--allow-origin <origin>', 'a web origin (SCHEME://HOST[:PORT]) whose pages may call the API besides the server\'s own (repeatable)',
      (value: string, all: string[]) => [...all, parseAllowedOrigin(value)], [] as string[])
    .option('--metrics-public', 'serve /metrics without a token (default: a token whose role may read)')
    .option('--jcapi-listen <host:port>', `also serve the JobCenter protocol (netstrings over TCP) there, e.g. ${DEFAULT_JCAPI_LISTEN} (ORDO_JCAPI_LISTEN)`)
    .option('--jcapi-tls-cert <file>', 'serve the JobCenter listener over TLS with this PEM certificate (with --jcapi-tls-key)')
    .option('--jcapi-tls-key <file>', 'the PEM private key of --jcapi-tls-cert')
    .option('--worker-timeout <seconds>', 'a WebSocket worker not heard from for this long is declared dead', '30')
    .option('--jcapi-ping <seconds>', 'how often the JobCenter listener pings a worker', '60')
    .option('--jcapi-ping-timeout <seconds>', 'how long a JobCenter worker has to answer a ping (it answers only between tasks)', '30')
    .option('--labels <k=v,...>', "what this server is as a worker: it runs command actions whose config's labels these contain (default: none, so those are left to remote workers)")
    .option('--log-level <level>', 'fatal | error | warn | info | debug', 'info')
    .option('--log-format <format>', `${LOG_FORMATS.join(' | ')}: JSON lines, or one readable line per entry (default: pretty when stderr is a terminal; ORDO_LOG_FORMAT)`)
    .action(action(async (opts: ServerOptions) => {
      const dir = projectDir(opts);
      const project = await loadValidProject(dir);
      const maxParallel = opts.maxParallel ? parsePositiveInt(opts.maxParallel, '--max-parallel') : project.settings.maxParallel;
      if (opts.anonymous !== undefined && !isRole(opts.anonymous)) {
        throw new OrdoError('ORDO_BAD_ARGUMENT', `--anonymous must be one of ${ROLES.join(', ')}, got "${opts.anonymous}"`);
      }
      const listenText = opts.listen ?? process.env.ORDO_LISTEN;
      const listen = listenText === 'none' ? null : parseListen(listenText ?? DEFAULT_LISTEN);
      const logger = serverLogger(opts.logLevel, logFormatOf(opts.logFormat ?? process.env.ORDO_LOG_FORMAT, !!process.stderr.isTTY));
      const version = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }).version;
      const common = {
        project, logger, version, maxParallel, pollMs: parsePositiveInt(opts.poll, '--poll'), tls: tlsOf(opts.tlsCert, opts.tlsKey),
        maxMessageBytes: opts.maxMessageBytes ? parsePositiveInt(opts.maxMessageBytes, '--max-message-bytes') : undefined,
        anonymousRole: (opts.anonymous as Role | undefined) ?? null,
        jcapi: jcapiOf(opts), workerTimeoutMs: parsePositiveInt(opts.workerTimeout ?? '30', '--worker-timeout') * 1000,
        labels: parseLabels(opts.labels), allowOrigins: opts.allowOrigin, metricsPublic: opts.metricsPublic === true,
        jobcenter: {
          pingMs: parsePositiveInt(opts.jcapiPing ?? '60', '--jcapi-ping') * 1000,
          pingTimeoutMs: parsePositiveInt(opts.jcapiPingTimeout ?? '30', '--jcapi-ping-timeout') * 1000,
        },
      };
      if (common.jcapi && listen === null) throw new OrdoError('ORDO_BAD_ARGUMENT', '--jcapi-listen needs the API (--listen is none)');
      // A busy address, the default one included, stops the server before it drives anything: a server
      // without its API would look alive to whoever started it while answering nobody.
      const server = await startOrdoServer({ ...common, host: listen?.host ?? '127.0.0.1', port: listen?.port ?? 0, api: listen !== null })
        .catch((err: unknown) => {
          if (err instanceof OrdoError && err.code === 'ORDO_CANNOT_LISTEN' && listenText === undefined && err.message.startsWith('the API ')) {
            throw new OrdoError(err.code, `${err.message}; pass --listen HOST:PORT (or --listen none)`);
          }
          throw err;
        });
      logger.info({ store: server.rt.store.location, owner: server.rt.engine.owner, maxParallel, api: server.url ?? null, jcapi: server.jcapi?.url ?? null },
        'ordo server: started');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      logger.info('ordo server: stopping (running jobs go on; their runs are resumed by the next server)');
      await server.close();
      return 0;
    }));
}
