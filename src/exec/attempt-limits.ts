/**
 * Applying a job's `limits:` to one attempt (docs/limits.md). With cgroups: a cgroup per controller made for
 * the attempt, limits written before the job starts, the job placed in them by its supervisor before it
 * execs, and removed once the job is gone; memory and cpu and processes are enforced for the whole process
 * tree. Without: resource limits set by `prlimit` on the job's first process (inherited by its children):
 * memory as address space, processes as RLIMIT_NPROC (which does not bind root), cpu not at all.
 * `nofile` is always a resource limit: it is one per process by nature.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes, type JobLimits } from '../defs/limits.js';
import { cgroupHomes, type Controller } from './cgroups.js';

const CPU_PERIOD_US = 100_000;

export interface AppliedLimits {
  /** Cgroup directories the job joins (its supervisor writes its pid into each cgroup.procs). */
  cgroups: string[];
  /** Put before the job's argv: `prlimit --nofile=N:N ... --`, or nothing. */
  argvPrefix: string[];
  /** Per limit, how it is enforced: `512MiB (cgroup v2)`, `1024 (rlimit)`, `1.5 (not applied: needs cgroups)`. */
  applied: Record<string, string>;
}

/** The cgroup directories of an attempt, from its name: the same after an engine restart (re-attach). */
export function attemptCgroups(name: string, env?: NodeJS.ProcessEnv): Array<{ controller: Controller; version: 1 | 2; dir: string }> {
  return [...cgroupHomes(env)].map(([controller, home]) => ({ controller, version: home.version, dir: join(home.parent, name) }));
}

export function applyLimits(limits: JobLimits, name: string, env?: NodeJS.ProcessEnv): AppliedLimits {
  const applied: Record<string, string> = {};
  const rlimits: string[] = [];
  const dirs = new Map<Controller, { version: 1 | 2; dir: string }>();
  const group = (c: Controller) => {
    const home = attemptCgroups(name, env).find((g) => g.controller === c);
    if (!home) return undefined;
    try {
      mkdirSync(home.dir, { recursive: true });
      dirs.set(c, home);
      return home;
    } catch {
      return undefined;
    }
  };
  if (limits.memoryBytes !== undefined) {
    const g = group('memory');
    const text = formatBytes(limits.memoryBytes);
    if (g && writeLimit(g.dir, g.version === 2 ? 'memory.max' : 'memory.limit_in_bytes', String(limits.memoryBytes))) {
      // Without swap, a job over its limit is killed rather than paged out (where the kernel accounts swap).
      if (g.version === 2) writeLimit(g.dir, 'memory.swap.max', '0');
      else writeLimit(g.dir, 'memory.memsw.limit_in_bytes', String(limits.memoryBytes));
      applied.memory = `${text} (cgroup v${g.version})`;
    } else {
      rlimits.push(`--as=${limits.memoryBytes}:${limits.memoryBytes}`);
      applied.memory = `${text} (rlimit: address space)`;
    }
  }
  if (limits.cpu !== undefined) {
    const g = group('cpu');
    const quota = Math.max(1000, Math.round(limits.cpu * CPU_PERIOD_US));
    const ok = g && (g.version === 2
      ? writeLimit(g.dir, 'cpu.max', `${quota} ${CPU_PERIOD_US}`)
      : writeLimit(g.dir, 'cpu.cfs_period_us', String(CPU_PERIOD_US)) && writeLimit(g.dir, 'cpu.cfs_quota_us', String(quota)));
    applied.cpu = ok ? `${limits.cpu} (cgroup v${g.version})` : `${limits.cpu} (not applied: needs a cpu cgroup)`;
  }
  if (limits.processes !== undefined) {
    const g = group('pids');
    if (g && writeLimit(g.dir, 'pids.max', String(limits.processes))) applied.processes = `${limits.processes} (cgroup v${g.version})`;
    else {
      rlimits.push(`--nproc=${limits.processes}:${limits.processes}`);
      applied.processes = `${limits.processes} (rlimit)`;
    }
  }
  if (limits.nofile !== undefined) {
    rlimits.push(`--nofile=${limits.nofile}:${limits.nofile}`);
    applied.nofile = `${limits.nofile} (rlimit)`;
  }
  return {
    cgroups: [...dirs].filter(([c]) => usedFor(c, applied)).map(([, g]) => g.dir),
    argvPrefix: rlimits.length > 0 ? ['prlimit', ...rlimits, '--'] : [],
    applied,
  };
}

function usedFor(c: Controller, applied: Record<string, string>): boolean {
  const key = c === 'pids' ? 'processes' : c;
  return applied[key]?.includes('(cgroup') ?? false;
}

function writeLimit(dir: string, file: string, value: string): boolean {
  const path = join(dir, file);
  if (!existsSync(path)) return false;
  try {
    writeFileSync(path, value);
    return true;
  } catch {
    return false;
  }
}

/** Whether the kernel killed a process of the attempt for its memory limit (`oom_kill` in its memory cgroup). */
export function oomKilled(name: string, env?: NodeJS.ProcessEnv): boolean {
  const g = attemptCgroups(name, env).find((c) => c.controller === 'memory');
  if (!g) return false;
  let text: string;
  try {
    text = readFileSync(join(g.dir, g.version === 2 ? 'memory.events' : 'memory.oom_control'), 'utf8');
  } catch {
    return false;
  }
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m !== null && Number(m[1]) > 0;
}

/** Removes the attempt's cgroups once its processes are gone (a process still in one keeps it: left as is). */
export function removeCgroups(name: string, env?: NodeJS.ProcessEnv): void {
  for (const g of attemptCgroups(name, env)) {
    try {
      rmdirSync(g.dir);
    } catch {
      // not there (no limit used it), or a process the job left behind is still in it
    }
  }
}
