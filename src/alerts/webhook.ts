/**
 * A webhook delivery: POST of the payload as JSON, signed `X-Ordo-Signature: sha256=HEX` (HMAC-SHA256 of
 * the exact body with the handler's secret), with `X-Ordo-Event-Id` so that a receiver drops duplicates.
 * Any 2xx answer is delivered; anything else (or no answer within the timeout) is a failed attempt.
 */
import { createHmac } from 'node:crypto';
import { HandlerError } from './secret-text.js';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function postWebhook(opts: {
  url: string; body: string; eventId: number; secret?: string; headers: Record<string, string>; timeoutMs: number;
}): Promise<string> {
  const headers: Record<string, string> = {
    ...opts.headers, 'content-type': 'application/json', 'user-agent': 'ordo-handlers', 'x-ordo-event-id': String(opts.eventId),
  };
  if (opts.secret !== undefined) headers['x-ordo-signature'] = signature(opts.secret, opts.body);
  let res: Response;
  try {
    res = await fetch(opts.url, { method: 'POST', headers, body: opts.body, signal: AbortSignal.timeout(opts.timeoutMs), redirect: 'manual' });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : e.cause?.code ?? e.cause?.message ?? e.message;
    throw new HandlerError(`webhook ${redact(opts.url)}: ${why}`);
  }
  // The answer's body is not needed; it is read (a little) so that the connection can be reused.
  const text = (await res.text().catch(() => '')).slice(0, 200);
  if (res.status < 200 || res.status > 299) throw new HandlerError(`webhook ${redact(opts.url)} answered ${res.status}${text ? `: ${text}` : ''}`);
  return `HTTP ${res.status}`;
}

/** A URL as it may be shown: without user info or query (either may carry a credential). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(bad URL)';
  }
}
