/**
 * Jobs of kind `http` (docs/job-kinds.md): one request with Node's fetch; success when the status is one the
 * job expects (any 2xx by default); the result is the parsed JSON answer (an object as is, anything else as
 * `{value}`), or `{status, body}` with the first 64 KiB of a text answer. The exit code is the status.
 */
import type { AttemptHandle, AttemptRequest, Executor } from '../engine/ports.js';
import { runInline } from './inline.js';

const TEXT_KEEP = 64 * 1024;

export class HttpExecutor implements Executor {
  readonly kinds = ['http'] as const;

  constructor(private readonly stateDir: string) {}

  start(req: AttemptRequest): AttemptHandle {
    return runInline(req, this.stateDir, async ({ signal, log }) => {
      const spec = req.job.http;
      if (!spec) return { ok: false, error: 'the job has no http block' };
      const headers: Record<string, string> = { ...spec.headers };
      let body: string | undefined;
      if (typeof spec.body === 'string') body = spec.body;
      else if (spec.body) {
        body = JSON.stringify(spec.body.json);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      }
      log(`${spec.method} ${spec.url}`);
      const res = await fetch(spec.url, { method: spec.method, headers, body, signal, redirect: 'follow' });
      const text = await res.text();
      const ok = spec.expect ? spec.expect.includes(res.status) : res.status >= 200 && res.status < 300;
      log(`${res.status} ${res.statusText} (${text.length} bytes${res.headers.get('content-type') ? `, ${res.headers.get('content-type')}` : ''})`);
      if (text.length > 0) log(text.length > TEXT_KEEP ? `${text.slice(0, TEXT_KEEP)}\n[ordo: answer truncated at ${TEXT_KEEP} characters]` : text);
      let result: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(text);
        result = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : { value: parsed };
      } catch {
        result = { status: res.status, body: text.slice(0, TEXT_KEEP) };
      }
      return ok ? { ok, code: res.status, result }
        : { ok, code: res.status, error: `HTTP ${res.status} ${res.statusText}: expected ${spec.expect ? spec.expect.join(' or ') : 'a 2xx status'}` };
    });
  }
}
