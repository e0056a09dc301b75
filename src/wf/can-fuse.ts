/**
 * Whether the backend runs data-modifying statements inside WITH (probed once per connection: PostgreSQL
 * can, SQLite cannot). Where it can, a workflow step, a claim or a run's creation is one statement: one
 * atomic transaction and one round trip (fused.ts, tasks.ts, runs.ts).
 */
import type { SqlPort } from '../store/port.js';

const probed = new WeakMap<SqlPort, Promise<boolean>>();

export function canFuse(db: SqlPort): Promise<boolean> {
  let p = probed.get(db);
  if (!p) {
    p = db.query('WITH x AS (DELETE FROM wf_inbox WHERE 1 = 0 RETURNING id) SELECT COUNT(*) AS n FROM x').then(() => true, () => false);
    probed.set(db, p);
  }
  return p;
}
