/**
 * A command handler: runs on the server, with the payload as JSON on stdin and in ORDO_EVENT (and its id
 * in ORDO_EVENT_ID); exit 0 is delivered. Killed (SIGKILL to its process group) after the timeout.
 */
import { spawn } from 'node:child_process';
import { HandlerError } from './secret-text.js';

export function runHandlerCommand(opts: { argv: string[]; cwd: string; body: string; eventId: number; timeoutMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = opts.argv;
    const child = spawn(file!, args, {
      cwd: opts.cwd, detached: true, stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, ORDO_EVENT: opts.body, ORDO_EVENT_ID: String(opts.eventId) },
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 2000) stderr += b.toString('utf8');
    });
    child.stdin.on('error', () => undefined); // a command that does not read its input
    child.stdin.end(opts.body);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch { /* already gone */ }
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new HandlerError(`command ${file}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve('exit 0');
      else {
        const why = signal === 'SIGKILL' ? `killed after ${opts.timeoutMs} ms` : signal ? `killed by ${signal}` : `exit ${code}`;
        reject(new HandlerError(`command ${file}: ${why}${stderr.trim() ? `: ${stderr.trim().slice(-300)}` : ''}`));
      }
    });
  });
}
