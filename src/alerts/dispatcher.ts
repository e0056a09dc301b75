/**
 * The server's handler dispatcher (docs/alerts.md): every `pollMs` it claims due deliveries with a lease,
 * makes them (command, e-mail, webhook) and records each outcome with its event. A failed attempt is
 * retried after an exponential backoff until its retries are spent (then `dead`); a delivery whose server
 * died while making it is claimed again once its lease runs out. Nothing here touches a run: a failing
 * handler never fails one.
 */
import type { SmtpSettings } from '../defs/handlers.js';
import { readAttemptTail } from '../exec/logs.js';
import { startPeriodic, type Periodic } from '../server/periodic.js';
import { claimDeliveries, settleDelivery, type DeliveryRow } from '../store/deliveries.js';
import type { SqlPort } from '../store/port.js';
import { runHandlerCommand } from './command.js';
import { sendMail } from './email.js';
import { expandSecrets, HandlerError, type SecretReader } from './secret-text.js';
import { postWebhook } from './webhook.js';

export interface DispatcherOptions {
  db: SqlPort;
  owner: string;
  stateDir: string;
  projectDir: string;
  smtp: () => SmtpSettings | undefined;
  secrets?: SecretReader;
  pollMs?: number;
  /** How long a claim is held: a delivery a dead server was making is made again after this. */
  leaseMs?: number;
  /** Delay before the first retry; doubled for each further one, up to `maxDelayMs`. */
  backoffMs?: number;
  maxDelayMs?: number;
  now?: () => number;
  log?: (level: 'info' | 'warn', msg: string, data: Record<string, unknown>) => void;
}

const TAIL_BYTES_PER_LINE = 200;

export class HandlerDispatcher {
  private periodic: Periodic | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: DispatcherOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.periodic = startPeriodic(async (stopped) => {
      while (!stopped() && (await this.runOnce()) > 0) { /* drain what is due */ }
    }, this.opts.pollMs ?? 500, { onError: (err) => this.opts.log?.('warn', 'handler dispatcher', { err: err.message }) });
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
  }

  /** Claims and makes the deliveries due now (at most 20); answers how many it made. */
  async runOnce(): Promise<number> {
    const claimed = await claimDeliveries(this.opts.db, this.opts.owner, this.now(), this.opts.leaseMs ?? 60_000, 20);
    await Promise.all(claimed.map((d) => this.deliver(d)));
    return claimed.length;
  }

  private async deliver(d: DeliveryRow): Promise<void> {
    let outcome: Parameters<typeof settleDelivery>[4];
    try {
      outcome = { ok: true, detail: await this.make(d) };
    } catch (err) {
      const error = err instanceof HandlerError ? err.message : `unexpected: ${(err as Error).message}`;
      const retryAt = d.attempts < d.maxAttempts ? this.now() + this.backoff(d.attempts) : null;
      outcome = { ok: false, error, retryAt };
    }
    const settled = await settleDelivery(this.opts.db, d, this.opts.owner, this.now(), outcome);
    this.opts.log?.(outcome.ok ? 'info' : 'warn', outcome.ok ? 'handler delivered' : 'handler failed',
      { delivery: d.id, eventId: d.eventId, handler: d.name, attempt: d.attempts, settled, ...(!outcome.ok && { error: outcome.error }) });
  }

  private backoff(attempts: number): number {
    return Math.min((this.opts.backoffMs ?? 5_000) * 2 ** Math.max(0, attempts - 1), this.opts.maxDelayMs ?? 3_600_000);
  }

  private async make(d: DeliveryRow): Promise<string> {
    const h = d.handler;
    const a = h.action;
    const body = JSON.stringify(d.payload);
    switch (a.kind) {
      case 'webhook': {
        const headerNames = Object.keys(a.headers);
        const [url, secret, ...values] = await expandSecrets([a.url, a.secret ?? '', ...Object.values(a.headers)], this.opts.secrets, h.where);
        const headers = Object.fromEntries(headerNames.map((n, i) => [n, values[i]!]));
        return postWebhook({ url: url!, body, eventId: d.eventId, ...(a.secret !== undefined && { secret: secret! }), headers, timeoutMs: h.timeoutMs });
      }
      case 'command':
      case 'shell': {
        const argv = a.kind === 'command' ? await expandSecrets(a.argv, this.opts.secrets, h.where)
          : ['/bin/sh', '-c', ...(await expandSecrets([a.script], this.opts.secrets, h.where))];
        return runHandlerCommand({ argv, cwd: this.opts.projectDir, body, eventId: d.eventId, timeoutMs: h.timeoutMs });
      }
      case 'email': {
        const smtp = this.opts.smtp();
        if (!smtp) throw new HandlerError(`the handler at ${h.where} sends e-mail, but ordo.yaml has no "smtp" settings`);
        const [password] = smtp.password === undefined ? [undefined] : await expandSecrets([smtp.password], this.opts.secrets, 'smtp.password of ordo.yaml');
        return sendMail(smtp, password, { to: a.to, subject: a.subject, payload: d.payload, tail: await this.tail(d, a.tailLines) }, h.timeoutMs);
      }
      default: {
        const never: never = a;
        throw new HandlerError(`unknown handler kind ${JSON.stringify(never)}`);
      }
    }
  }

  /** The last `lines` lines of the attempt's stdout and stderr the event is about (none for a run event). */
  private async tail(d: DeliveryRow, lines: number): Promise<{ stdout: string; stderr: string } | undefined> {
    const attempt = d.payload.data.attempt;
    if (lines === 0 || d.runId === null || !d.job || typeof attempt !== 'number') return undefined;
    const read = async (stream: 'stdout' | 'stderr') => {
      const text = await readAttemptTail(this.opts.stateDir, String(d.runId), d.job!, attempt, stream, lines * TAIL_BYTES_PER_LINE).catch(() => '');
      return text.split('\n').slice(-lines - 1).join('\n');
    };
    return { stdout: await read('stdout'), stderr: await read('stderr') };
  }
}
