/** Singleton leases on every backend (src/store/leases.ts): one holder at a time, fences that only grow. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LeaseStore } from '../src/store/leases.js';
import type { OrdoStore } from '../src/store/ordo-store.js';
import { BACKENDS } from './support/backends.js';

for (const backend of BACKENDS) {
  describe(`leases on ${backend.name}`, () => {
    let store: OrdoStore;
    let release: () => Promise<void>;
    before(async () => {
      ({ store, release } = await backend.open());
    });
    after(async () => release());

    test('a lease is granted once until it runs out or is released; the fence grows with each grant', async () => {
      const leases = new LeaseStore(store.sql);
      assert.equal(await leases.grant('flow:a', 'web1', '1/1/1', 1000, 500), 1);
      assert.equal(await leases.grant('flow:a', 'web2', '2/2/1', 1499, 500), undefined, 'held until 1500');
      assert.equal(await leases.renew('flow:a', 1, 1400, 500), true, 'renewed until 1900');
      assert.equal(await leases.grant('flow:a', 'web2', '2/2/1', 1600, 500), undefined);
      assert.equal(await leases.grant('flow:a', 'web2', '2/2/1', 1900, 500), 2, 'ran out at 1900');
      assert.equal(await leases.renew('flow:a', 1, 1901, 500), false, 'an old fence cannot renew');
      assert.equal(await leases.release('flow:a', 1, 1902), false, 'nor release');
      assert.equal(await leases.renew('flow:a', 2, 2500, 500), false, 'an expired lease is not revived');
      assert.equal(await leases.grant('flow:a', 'web3', '3/3/1', 2500, 500), 3);
      assert.equal(await leases.release('flow:a', 3, 2600), true);
      assert.equal(await leases.renew('flow:a', 3, 2601, 500), false, 'a released lease is not renewed');
      assert.equal(await leases.grant('flow:a', 'web1', '4/4/1', 2601, 500), 4, 'free once released');
      assert.deepEqual(await leases.ofAttempt('4/4/1'), {
        name: 'flow:a', fence: 4, holder: 'web1', attempt: '4/4/1', grantedAt: 2601, expiresAt: 3101, releasedAt: null,
      });
      assert.equal(await leases.grant('flow:b', 'web1', '5/5/1', 2601, 500), 1, 'each name has its own fence');
    });

    test('racing grants: exactly one wins', async () => {
      const leases = new LeaseStore(store.sql);
      const got = await Promise.all(['h1', 'h2', 'h3', 'h4'].map((h, i) => leases.grant('flow:race', h, `9/${i}/1`, 10, 1000)));
      assert.equal(got.filter((f) => f !== undefined).length, 1);
    });
  });
}
