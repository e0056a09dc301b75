import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { usePostgres } from './postgres.js';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

void test('usePostgres gives a working database', async () => {
  const db = await usePostgres();
  try {
    const { rows } = await withClient(db.url, (c) => c.query<{ one: number }>('select 1 as one'));
    assert.deepEqual(rows, [{ one: 1 }]);
  } finally {
    await db.release();
  }
});

void test('parallel callers get isolated databases on one server', async () => {
  const [a, b] = await Promise.all([usePostgres(), usePostgres()]);
  try {
    assert.notEqual(a.url, b.url);
    // The same table name in both: each create succeeds only if the databases are separate.
    await Promise.all(
      [a, b].map((db, i) =>
        withClient(db.url, async (c) => {
          await c.query('create table t (v int)');
          await c.query('insert into t values ($1)', [i]);
        }),
      ),
    );
    const seen = await Promise.all(
      [a, b].map((db) => withClient(db.url, async (c) => (await c.query<{ v: number }>('select v from t')).rows)),
    );
    assert.deepEqual(seen, [[{ v: 0 }], [{ v: 1 }]]);
  } finally {
    await Promise.all([a.release(), b.release()]);
  }
});

void test('release drops the database and may be called twice', async () => {
  const keep = await usePostgres(); // holds the server so the drop can be observed
  const db = await usePostgres();
  try {
    const name = new URL(db.url).pathname.slice(1);
    await db.release();
    await db.release();
    const { rows } = await withClient(keep.url, (c) => c.query('select 1 from pg_database where datname = $1', [name]));
    assert.equal(rows.length, 0);
  } finally {
    await keep.release();
  }
});
