/**
 * Jobs of kind `copy` (docs/job-kinds.md): one file copied between two paths of the engine's machine (relative
 * to the project), or sent to or fetched from an SSH host of ordo.yaml (`HOST:PATH`). A directory as the target
 * takes the file under its own name. The result: `{bytes, sha256}`.
 */
import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseCopyEndpoint } from '../defs/copy-endpoint.js';
import type { HostDef } from '../defs/model.js';
import type { AttemptHandle, AttemptRequest, Executor } from '../engine/ports.js';
import { copyLocal, type CopyOutcome } from './copy-local.js';
import { copyOverSsh } from './copy-remote.js';
import { runInline, type InlineResult } from './inline.js';
import { isSshHost } from './ssh/connect.js';

export class CopyExecutor implements Executor {
  readonly kinds = ['copy'] as const;

  constructor(private readonly projectDir: string, private readonly stateDir: string, private readonly hosts: ReadonlyMap<string, HostDef> = new Map()) {}

  start(req: AttemptRequest): AttemptHandle {
    return runInline(req, this.stateDir, async ({ signal, log }): Promise<InlineResult> => {
      const spec = req.job.copy;
      if (!spec) return { ok: false, error: 'the job has no copy block' };
      const from = parseCopyEndpoint(spec.from, this.hosts);
      const to = parseCopyEndpoint(spec.to, this.hosts);
      const tag = `${process.pid}-${req.runId}-${req.attempt}`;
      const remote = from.host ?? to.host;
      log(`copy ${spec.from} -> ${spec.to}`);
      let out: CopyOutcome;
      if (remote !== undefined) {
        const host = this.hosts.get(remote);
        if (!isSshHost(host)) return { ok: false, error: `host "${remote}" is not an SSH host of ordo.yaml` };
        if (from.host !== undefined && to.host !== undefined) return { ok: false, error: 'both ends are on hosts: copy from or to the engine\'s machine' };
        if (to.host !== undefined) {
          const local = resolve(this.projectDir, from.path);
          const source = statSync(local, { throwIfNoEntry: false });
          if (!source?.isFile()) return { ok: false, error: `cannot copy ${spec.from}: ${source ? 'not a file' : 'no such file'}` };
          out = await copyOverSsh({ host, direction: 'put', local, remote: to.path, checksum: spec.checksum, tag, localMode: source.mode, signal, log });
        } else {
          const local = this.target(to.path, basename(from.path));
          out = await copyOverSsh({ host, direction: 'get', local, remote: from.path, checksum: spec.checksum, tag, signal, log });
        }
      } else {
        const source = resolve(this.projectDir, from.path);
        const stat = statSync(source, { throwIfNoEntry: false });
        if (!stat?.isFile()) return { ok: false, error: `cannot copy ${spec.from}: ${stat ? 'not a file' : 'no such file'}` };
        out = await copyLocal(source, this.target(to.path, basename(source)), { mode: stat.mode, checksum: spec.checksum, tag, signal, log });
      }
      if (!out.ok) return { ok: false, error: out.error };
      log(`${out.bytes} bytes`);
      return { ok: true, result: { bytes: out.bytes, sha256: out.sha256 } };
    });
  }

  /** The local target: a directory takes the file under its own name; missing parents are made. */
  private target(path: string, name: string): string {
    let to = resolve(this.projectDir, path);
    if (statSync(to, { throwIfNoEntry: false })?.isDirectory()) to = resolve(to, name);
    mkdirSync(dirname(to), { recursive: true });
    return to;
  }
}
