/**
 * Remote workers as the server sees them: one per connection that announced actions (JobCenter's model,
 * seed 001). A worker has slots per action; a slot is busy while a task is offered to it (`task_ready`
 * sent, `get_task` not yet called) or claimed by it (a cookie not yet reported). The registry picks
 * workers with a free slot in turn, so work is spread over them, and says which went silent.
 */
import type { Principal } from '../../auth/principal.js';
import type { Json, JsonObject } from '../../lang/json.js';
import { contains } from '../../lang/contains.js';

/** How the server reaches a worker's connection. */
export interface WorkerLink {
  transport: 'ws' | 'netstring';
  notify(method: string, params: Record<string, unknown>): void;
  /** Closes the connection (netstring); a WebSocket session cannot be closed from here. */
  close?(reason: string): void;
}

export interface Claim {
  cookie: string;
  runId: number;
  action: string;
}

export interface Offer {
  worker: WorkerConn;
  action: string;
  jobId: number;
  timer: NodeJS.Timeout;
}

export interface AnnouncedAction {
  slots: number;
  /** Only tasks whose inargs contain this (JobCenter's announce filter); null for any task. */
  filter: JsonObject | null;
  /** Tasks offered to this worker and not yet asked for. */
  offered: number;
  /** Tasks claimed and not yet reported. */
  claimed: number;
  /** False until the answer to `announce` went out: no `task_ready` may overtake it. */
  open: boolean;
}

export class WorkerConn {
  readonly actions = new Map<string, AnnouncedAction>();
  readonly claims = new Map<string, Claim>();
  dead = false;

  constructor(
    readonly sessionId: string,
    /** The worker's name (announce's `workername`, else hello's `who`, else the caller's name). */
    readonly name: string,
    /** The name its claims carry in the store: the server's owner first, so a dead server's claims are recognised. */
    readonly claimName: string,
    readonly principal: Principal,
    readonly link: WorkerLink,
    public lastSeen: number,
  ) {}

  free(action: string): number {
    const a = this.actions.get(action);
    return a?.open ? a.slots - a.offered - a.claimed : 0;
  }

  addClaim(c: Claim): void {
    this.claims.set(c.cookie, c);
    const a = this.actions.get(c.action);
    if (a) a.claimed++;
  }

  dropClaim(cookie: string): Claim | undefined {
    const c = this.claims.get(cookie);
    if (!c) return undefined;
    this.claims.delete(cookie);
    const a = this.actions.get(c.action);
    if (a && a.claimed > 0) a.claimed--;
    return c;
  }
}

/** Sessions told on their next call that they were dropped: bounded, oldest forgotten first. */
const MAX_DROPPED = 1000;

export class WorkerRegistry {
  private readonly bySession = new Map<string, WorkerConn>();
  private readonly byAction = new Map<string, WorkerConn[]>();
  private readonly dropped = new Map<string, string[]>();

  get(sessionId: string | undefined): WorkerConn | undefined {
    return sessionId === undefined ? undefined : this.bySession.get(sessionId);
  }

  add(w: WorkerConn): void {
    this.bySession.set(w.sessionId, w);
  }

  /** A live worker of another connection with the same name and caller (a reconnect). */
  twin(w: { sessionId: string; name: string; principal: Principal }): WorkerConn | undefined {
    for (const other of this.bySession.values()) {
      if (other.sessionId !== w.sessionId && other.name === w.name && other.principal.name === w.principal.name) return other;
    }
    return undefined;
  }

  announce(w: WorkerConn, action: string, slots: number, filter: JsonObject | null = null): void {
    const existing = w.actions.get(action);
    if (existing) {
      existing.slots = slots;
      existing.filter = filter;
      return;
    }
    let claimed = 0;
    for (const c of w.claims.values()) if (c.action === action) claimed++;
    w.actions.set(action, { slots, filter, offered: 0, claimed, open: false });
    const list = this.byAction.get(action) ?? [];
    list.push(w);
    this.byAction.set(action, list);
  }

  /** The worker was told its announce succeeded: tasks of the action may be offered to it. */
  open(w: WorkerConn, action: string): void {
    const a = w.actions.get(action);
    if (a) a.open = true;
  }

  withdraw(w: WorkerConn, action: string): boolean {
    if (!w.actions.delete(action)) return false;
    const list = (this.byAction.get(action) ?? []).filter((x) => x !== w);
    if (list.length > 0) this.byAction.set(action, list);
    else this.byAction.delete(action);
    return true;
  }

  /** Forgets a worker (it died, or a reconnect replaced it); `told`: its WebSocket learns it on its next call. */
  remove(w: WorkerConn, told = false): void {
    w.dead = true;
    const actions = [...w.actions.keys()];
    for (const action of actions) this.withdraw(w, action);
    if (this.bySession.get(w.sessionId) === w) this.bySession.delete(w.sessionId);
    if (told) {
      this.dropped.set(w.sessionId, actions);
      if (this.dropped.size > MAX_DROPPED) this.dropped.delete(this.dropped.keys().next().value as string);
    }
  }

  /** The actions of a session that was dropped and not yet told so (it is told only once). */
  takeDropped(sessionId: string | undefined): string[] | undefined {
    if (sessionId === undefined) return undefined;
    const actions = this.dropped.get(sessionId);
    this.dropped.delete(sessionId);
    return actions;
  }

  /**
   * The next worker in turn with a free slot for the action (and, given the task's inargs, whose filter
   * they match); it goes to the back of the line.
   */
  pick(action: string, input?: Json): WorkerConn | undefined {
    const list = this.byAction.get(action);
    if (!list) return undefined;
    for (let k = 0; k < list.length; k++) {
      const w = list[k]!;
      const filter = w.actions.get(action)?.filter ?? null;
      if (w.free(action) > 0 && (filter === null || contains(input, filter))) {
        list.splice(k, 1);
        list.push(w);
        return w;
      }
    }
    return undefined;
  }

  /** Whether a worker of the action announced it with a filter (then offers need the tasks' inargs). */
  filtered(action: string): boolean {
    return (this.byAction.get(action) ?? []).some((w) => w.actions.get(action)?.filter != null);
  }

  freeSlots(action: string): number {
    let n = 0;
    for (const w of this.byAction.get(action) ?? []) n += Math.max(0, w.free(action));
    return n;
  }

  /** Actions some worker announced. */
  get actions(): string[] {
    return [...this.byAction.keys()];
  }

  get all(): WorkerConn[] {
    return [...this.bySession.values()];
  }

  /** Workers with nothing heard from them since `before`. */
  silentSince(before: number): WorkerConn[] {
    return this.all.filter((w) => w.lastSeen < before);
  }

  get stats(): { workers: number; slots: number } {
    let slots = 0;
    for (const w of this.bySession.values()) for (const a of w.actions.values()) slots += a.slots;
    return { workers: this.bySession.size, slots };
  }
}
