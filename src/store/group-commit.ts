/**
 * Group commit: transactions that queue behind one another run back to back inside one BEGIN ... COMMIT,
 * each in its own savepoint (one that fails is rolled back alone), and each caller's promise settles only
 * after the COMMIT. Every transaction keeps its own atomicity and sees the ones before it, as if they had
 * run one after another; the commit (the log write, most of a small transaction's cost) is shared.
 */
import type { Queryable } from './port.js';

/** An open transaction of the backend. */
export interface TxSession {
  /** Where the transactions' statements go. */
  tx: Queryable;
  /** Runs a statement without parameters (SAVEPOINT, COMMIT, ...). */
  exec(sql: string): Promise<void> | void;
  /** Whether the transaction is still open (SQLite rolls a transaction back whole on some errors). */
  isOpen(): boolean;
  /** After COMMIT or ROLLBACK: give the connection back. */
  end(): void;
}

interface Queued {
  fn: (tx: Queryable) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

export class GroupCommit {
  private readonly queued: Queued[] = [];
  private draining = false;

  /**
   * `begin` opens a transaction; `serialize` runs a group where no other writer of this process may
   * interleave (SQLite: the file's mutex); `max` bounds a group (and so the wait of its first member).
   */
  constructor(
    private readonly begin: () => Promise<TxSession> | TxSession,
    private readonly serialize: (fn: () => Promise<void>) => Promise<void> = (fn) => fn(),
    private readonly max = 64,
  ) {}

  run<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        void this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queued.length > 0) {
      const group = this.queued.splice(0, this.max);
      await this.serialize(() => this.commit(group));
    }
    this.draining = false;
  }

  private async commit(group: Queued[]): Promise<void> {
    const single = group.length === 1;
    const outcomes: Outcome[] = [];
    let session: TxSession | undefined;
    try {
      session = await this.begin();
      for (const t of group) {
        if (!single) await session.exec('SAVEPOINT ordo_group');
        try {
          const value = await t.fn(session.tx);
          if (!single) await session.exec('RELEASE ordo_group');
          outcomes.push({ ok: true, value });
        } catch (err) {
          // An error that ended the whole transaction ends the group: nothing of it is committed.
          if (single || !session.isOpen()) throw err;
          await session.exec('ROLLBACK TO ordo_group');
          await session.exec('RELEASE ordo_group');
          outcomes.push({ ok: false, err });
        }
      }
      await session.exec('COMMIT');
    } catch (err) {
      if (session?.isOpen()) await Promise.resolve(session.exec('ROLLBACK')).catch(() => {});
      for (const t of group) t.reject(err);
      return;
    } finally {
      session?.end();
    }
    group.forEach((t, i) => {
      const o = outcomes[i]!;
      if (o.ok) t.resolve(o.value);
      else t.reject(o.err);
    });
  }
}
