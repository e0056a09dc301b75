/**
 * The engine's side of bin/ordo-spawner: one small long-lived Perl process per executor that forks attempt
 * supervisors on request. A spawn from the engine forks the engine's whole process (its cost grows with the
 * heap) and starts a new interpreter that compiles the supervisor again; the spawner forks a few MB that
 * already hold the compiled supervisor. What the supervisor guarantees (record and status files, process
 * group, masks, cgroups, lease watch, usage) is its own code either way.
 *
 * A supervisor started here is not the engine's child: its start ('spawn', with the pid) and its end ('exit')
 * come back from the spawner. If the spawner dies, its supervisors go on and are reported 'orphaned': the
 * attempt then watches the supervisor's files as a re-attached one does. Without perl, or with
 * ORDO_SPAWNER=off, supervisors are spawned directly (spawnSupervisor's fallback).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { REPO_BIN } from './paths.js';

export const SPAWNER = join(REPO_BIN, 'ordo-spawner');

/** A supervisor, started directly or by the spawner. Events: 'spawn', 'exit', 'error' (not started), 'orphaned'. */
export class SupervisorHandle extends EventEmitter {
  pid: number | undefined;
  /** Set by the spawner's handles: lets the engine's process exit while this supervisor runs. */
  private onUnref: (() => void) | undefined;

  constructor(onUnref?: () => void) {
    super();
    this.onUnref = onUnref;
  }

  /** Wraps a supervisor spawned by this process. */
  static of(child: ChildProcess): SupervisorHandle {
    const h = new SupervisorHandle(() => child.unref());
    child.once('spawn', () => {
      h.pid = child.pid;
      h.emit('spawn');
    });
    child.once('error', (err) => h.emit('error', err));
    child.once('exit', () => h.emit('exit'));
    return h;
  }

  unref(): void {
    const f = this.onUnref;
    this.onUnref = undefined;
    f?.();
  }
}

export class Spawner {
  private child: ChildProcess | undefined;
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, SupervisorHandle>();
  /** Handles that keep the engine's process alive (started and not unref'd). */
  private refs = 0;
  private buffered = '';

  /** Whether requests can go to a spawner (false once it could not start or died). */
  get usable(): boolean {
    return !this.broken && process.env.ORDO_SPAWNER !== 'off';
  }

  start(args: string[], cwd: string, env: NodeJS.ProcessEnv): SupervisorHandle {
    const child = this.ensure();
    const id = this.nextId++;
    let counted = true;
    this.ref(1);
    const handle = new SupervisorHandle(() => {
      if (counted) this.ref(-1);
      counted = false;
    });
    handle.once('exit', () => handle.unref());
    handle.once('error', () => handle.unref());
    handle.once('orphaned', () => handle.unref());
    this.pending.set(id, handle);
    const fields = [String(id), cwd, '0'];
    let n = 0;
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) continue;
      fields.push(`${k}=${v}`);
      n++;
    }
    fields[2] = String(n);
    fields.push(...args);
    const payload = Buffer.from(fields.join('\0'), 'utf8');
    child.stdin!.write(Buffer.concat([Buffer.from(`${payload.length}\n`), payload]));
    return handle;
  }

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn('perl', [SPAWNER], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    child.stdin!.on('error', () => {}); // a dead spawner is reported by 'exit'
    child.once('error', () => this.gone());
    child.once('exit', () => this.gone());
    this.ref(0);
    return child;
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const [kind, idText, ...rest] = line.split(' ');
      const id = Number(idText);
      const handle = this.pending.get(id);
      if (!handle) continue;
      if (kind === 's') {
        handle.pid = Number(rest[0]);
        handle.emit('spawn');
      } else if (kind === 'x') {
        this.pending.delete(id);
        handle.emit('exit');
      } else if (kind === 'f') {
        this.pending.delete(id);
        handle.emit('error', new Error(rest.join(' ')));
      }
    }
  }

  /** The spawner died (or never started): what it had started goes on unwatched by it. */
  private gone(): void {
    this.broken = true;
    this.child = undefined;
    const handles = [...this.pending.values()];
    this.pending.clear();
    for (const h of handles) {
      if (h.pid === undefined) h.emit('error', new Error('the spawner process ended before it started the supervisor'));
      else h.emit('orphaned');
    }
  }

  /** The spawner keeps the process alive only while one of its supervisors does. */
  private ref(delta: number): void {
    this.refs += delta;
    const c = this.child;
    if (!c) return;
    const streams = [c.stdout, c.stdin] as Array<{ ref?(): void; unref?(): void } | null>;
    if (this.refs > 0) {
      c.ref();
      for (const s of streams) s?.ref?.();
    } else {
      c.unref();
      for (const s of streams) s?.unref?.();
    }
  }

  /** Lets the spawner go: it exits at EOF; the supervisors it started go on. */
  close(): void {
    const c = this.child;
    this.child = undefined;
    this.broken = true;
    c?.stdin?.end();
    if (c) {
      c.unref();
      c.stdout?.destroy();
    }
    this.pending.clear();
  }
}
