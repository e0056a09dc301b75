import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allows, narrower, permissionsOf, within } from './roles.js';
import { hashPassword, hashToken, newToken, verifyPassword } from './secrets.js';

test('roles grant the permissions of seed 004', () => {
  assert.deepEqual(permissionsOf('user'), ['public', 'read']);
  assert.ok(allows('operator', 'operate') && !allows('operator', 'define'));
  assert.ok(allows('admin', 'define') && !allows('admin', 'operate'));
  assert.ok(allows('superuser', 'define') && allows('superuser', 'operate'));
  assert.ok(allows(null, 'public') && !allows(null, 'read'));
  assert.ok(within('user', 'admin') && !within('operator', 'admin') && within('admin', 'superuser'));
});

test("a token's role under its user's role is the widest role within both", () => {
  assert.equal(narrower('superuser', 'operator'), 'operator');
  assert.equal(narrower('admin', 'superuser'), 'admin');
  assert.equal(narrower('operator', 'admin'), 'user', 'operator and admin share only reading');
  assert.equal(narrower('user', 'superuser'), 'user');
});

test('tokens are random and stored as their SHA-256; passwords as salted scrypt', async () => {
  const a = newToken();
  assert.match(a, /^ordo_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, newToken());
  assert.match(hashToken(a), /^[0-9a-f]{64}$/);
  assert.equal(hashToken(a), hashToken(a));
  const stored = await hashPassword('correct horse');
  assert.match(stored, /^scrypt\$16384\$8\$1\$/);
  assert.notEqual(stored, await hashPassword('correct horse'), 'salted');
  assert.equal(await verifyPassword('correct horse', stored), true);
  assert.equal(await verifyPassword('wrong horse', stored), false);
  assert.equal(await verifyPassword('x', 'md5$abc'), false);
});
