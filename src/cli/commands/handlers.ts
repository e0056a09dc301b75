/** `ordo handlers [--state S] [--run N]` and `ordo handlers retry ID` (docs/alerts.md), on the local store or a server. */
import type { Command } from 'commander';
import { deliveryView, retryDead } from '../../api/methods/handlers.js';
import { OrdoError } from '../../errors.js';
import { listDeliveries, type DeliveryState } from '../../store/deliveries.js';
import { action, parsePositiveInt, parseRunId, READ_ONLY, withStore } from '../context.js';
import { table, time } from '../format.js';
import { remoteTarget } from '../remote.js';

interface Opts { dir?: string; server?: string; token?: string; json?: boolean; state?: DeliveryState; run?: string }
type View = ReturnType<typeof deliveryView>;

const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'dead'];

function options(cmd: Command): Command {
  return cmd.option('-d, --dir <dir>', 'project directory')
    .option('--server <url>', 'a server to ask instead of the local store (ORDO_SERVER)')
    .option('--token <token>', 'API token (ORDO_TOKEN)');
}

export function registerHandlerCommands(program: Command): void {
  const cmd = options(program.command('handlers').alias('alerts'))
    .description('handler deliveries (e-mail, webhook, command): state, attempts, last error')
    .option('--state <state>', 'pending, delivered or dead')
    .option('--run <id>', 'only this run')
    .option('--json', 'print JSON')
    .action(action(async (opts: Opts) => {
      const runId = opts.run === undefined ? undefined : parseRunId(opts.run);
      if (opts.state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(opts.state)) {
        throw new OrdoError('ORDO_BAD_ARGUMENT', `--state must be one of ${DELIVERY_STATES.join(', ')}, got "${opts.state}"`);
      }
      const remote = remoteTarget(opts);
      const list = remote ? await remote.call<View[]>('handlers.list', { ...(opts.state && { state: opts.state }), ...(runId && { run: runId }) })
        : (await withStore(opts, (s) => listDeliveries(s.sql, { state: opts.state, runId }), READ_ONLY)).map(deliveryView);
      if (opts.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else process.stdout.write(table(['ID', 'EVENT', 'RUN', 'JOB', 'HANDLER', 'ON', 'KIND', 'STATE', 'ATTEMPTS', 'UPDATED', 'LAST ERROR'],
        list.map((d) => [String(d.id), String(d.eventId), String(d.run ?? '-'), d.job ?? '-', d.handler, d.on, d.kind, d.state,
          `${d.attempts}/${d.maxAttempts}`, time(d.updatedAt), d.lastError ?? ''])));
    }));
  options(cmd.command('retry <id>'))
    .description('give a dead delivery a fresh set of attempts')
    .action(action(async (idText: string, opts: Opts) => {
      const id = parsePositiveInt(idText, 'the delivery id');
      const remote = remoteTarget(opts);
      if (remote) await remote.call('handlers.retry', { id: Number(id) });
      else await withStore(opts, (s) => retryDead(s.sql, id, process.env.USER ?? 'cli', Date.now()));
      process.stdout.write(`delivery ${id} due again\n`);
    }));
}
