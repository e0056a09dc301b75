/**
 * An e-mail handler (as Switchman's MAILTO): the event in the subject and body, the job's output tail
 * attached, sent through the project's `smtp:` settings. The password may come from a secret.
 */
import { createTransport } from 'nodemailer';
import type { SmtpSettings } from '../defs/handlers.js';
import type { DeliveryPayload } from '../store/deliveries.js';
import { HandlerError } from './secret-text.js';

export interface Mail {
  to: string[];
  subject?: string;
  payload: DeliveryPayload;
  /** stdout and stderr tails of the attempt the event is about, when it has one. */
  tail?: { stdout: string; stderr: string };
}

export function mailSubject(p: DeliveryPayload, subject?: string): string {
  const what = p.job ? `${p.flow}/${p.job}` : p.flow;
  return subject ?? `[ordo] ${p.on}: ${what}${p.run !== null ? ` (run ${p.run})` : ''}`;
}

export async function sendMail(smtp: SmtpSettings, password: string | undefined, mail: Mail, timeoutMs: number): Promise<string> {
  const transport = createTransport({
    host: smtp.host, port: smtp.port, secure: smtp.secure, requireTLS: smtp.starttls,
    ...(smtp.user !== undefined && { auth: { user: smtp.user, pass: password ?? '' } }),
    connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs,
  });
  const p = mail.payload;
  const lines = [
    `Event:   ${p.event} (${p.on})`, `Flow:    ${p.flow}`, ...(p.job ? [`Job:     ${p.job}`] : []), ...(p.run !== null ? [`Run:     ${p.run}`] : []),
    `At:      ${p.at}`, `Event id: ${p.eventId}`, '', JSON.stringify(p.data, null, 2),
  ];
  const attachments = [];
  if (mail.tail?.stdout) attachments.push({ filename: 'stdout.txt', content: mail.tail.stdout, contentType: 'text/plain; charset=utf-8' });
  if (mail.tail?.stderr) attachments.push({ filename: 'stderr.txt', content: mail.tail.stderr, contentType: 'text/plain; charset=utf-8' });
  try {
    const info = await transport.sendMail({
      from: smtp.from, to: mail.to, subject: mailSubject(p, mail.subject), text: lines.join('\n'), attachments,
      headers: { 'X-Ordo-Event-Id': String(p.eventId) },
    });
    return `smtp ${info.response}`.slice(0, 200);
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new HandlerError(`smtp ${smtp.host}:${smtp.port}: ${e.code ? `${e.code} ` : ''}${e.message}`);
  } finally {
    transport.close();
  }
}
