/**
 * Where this process may make cgroups for its attempts (docs/limits.md), found once from /proc/self/mountinfo
 * and /proc/self/cgroup: per controller (memory, cpu, pids), the directory of this process's own cgroup in
 * the unified (v2) hierarchy when it has the controller and can delegate it, else in that controller's v1
 * hierarchy. A controller found nowhere writable is absent, and its limit falls back or is not applied.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Controller = 'memory' | 'cpu' | 'pids';
export const CONTROLLERS: readonly Controller[] = ['memory', 'cpu', 'pids'];

export interface ControllerHome {
  version: 1 | 2;
  /** The directory under which attempts' cgroups are made (this process's cgroup + `/ordo`). */
  parent: string;
}

interface Mount { point: string; root: string; fsType: string; options: string[] }

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function mounts(): Mount[] {
  return (read('/proc/self/mountinfo') ?? '').split('\n').flatMap((line) => {
    const [left, right] = line.split(' - ');
    if (!left || !right) return [];
    const f = left.split(' ');
    const r = right.split(' ');
    return [{ point: f[4] ?? '', root: f[3] ?? '/', fsType: r[0] ?? '', options: (r[2] ?? '').split(',') }];
  });
}

/** The path of this process's cgroup in a hierarchy, as a directory under its mount. */
function inMount(m: Mount, path: string): string | undefined {
  const rel = m.root === '/' ? path : path.startsWith(m.root) ? path.slice(m.root.length) : undefined;
  return rel === undefined ? undefined : join(m.point, rel);
}

/** Makes `dir/ordo` and checks that a child can be made in it; true when it can. */
function usable(dir: string): boolean {
  const parent = join(dir, 'ordo');
  const probe = join(parent, `probe-${process.pid}`);
  try {
    mkdirSync(parent, { recursive: true });
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

function detect(): Map<Controller, ControllerHome> {
  const found = new Map<Controller, ControllerHome>();
  const self = (read('/proc/self/cgroup') ?? '').split('\n').filter(Boolean).map((l) => {
    const [, controllers = '', path = '/'] = l.split(':');
    return { controllers: controllers.split(','), path };
  });
  const all = mounts();
  // v2: this process's cgroup in the unified hierarchy, when it offers the controllers and lets them be
  // enabled for its children (a cgroup that holds processes itself may not, except the root).
  const unified = all.find((m) => m.fsType === 'cgroup2');
  const v2path = self.find((s) => s.controllers.length === 1 && s.controllers[0] === '')?.path;
  const v2dir = unified && v2path !== undefined ? inMount(unified, v2path) : undefined;
  if (v2dir && usable(v2dir)) {
    const parent = join(v2dir, 'ordo');
    const offered = (read(join(v2dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
    for (const c of CONTROLLERS) {
      if (!offered.includes(c)) continue;
      try {
        writeFileSync(join(v2dir, 'cgroup.subtree_control'), `+${c}`);
        writeFileSync(join(parent, 'cgroup.subtree_control'), `+${c}`);
        found.set(c, { version: 2, parent });
      } catch {
        // not delegated to us: try v1
      }
    }
  }
  for (const c of CONTROLLERS) {
    if (found.has(c)) continue;
    const mount = all.find((m) => m.fsType === 'cgroup' && m.options.includes(c));
    const path = self.find((s) => s.controllers.includes(c))?.path;
    const dir = mount && path !== undefined ? inMount(mount, path) : undefined;
    if (dir && existsSync(dir) && usable(dir)) found.set(c, { version: 1, parent: join(dir, 'ordo') });
  }
  return found;
}

let cached: Map<Controller, ControllerHome> | undefined;

/** The controllers this process can use for attempts (detected once); ORDO_CGROUPS=off turns them off. */
export function cgroupHomes(env: NodeJS.ProcessEnv = process.env): Map<Controller, ControllerHome> {
  if (env.ORDO_CGROUPS === 'off') return new Map();
  cached ??= detect();
  return cached;
}
