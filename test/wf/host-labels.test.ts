/** A server's own command worker and worker labels: actions asking for labels it lacks are left to remote workers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLabels } from '../../src/cli/commands/server.js';
import { memoryStore } from '../../src/testkit/index.js';
import { openHost } from '../../src/wf/host.js';
import { tempDir } from '../support/tmp.js';
import { compileOrThrow } from './support.js';

const ACTIONS = {
  'plain.ac': "action plain:\n  config:\n    command = 'true'\n",
  'dmz.ac': "action dmz:\n  config:\n    command = 'true'\n    labels = object(zone: 'dmz')\n",
};

test("a host runs command actions whose labels its own contain; without labels of its own (ordo call), all of them", async () => {
  const compiled = compileOrThrow(ACTIONS);
  const tmp = tempDir('ordo-host-labels-');
  const store = await memoryStore();
  try {
    const implemented = async (labels: Record<string, string> | undefined) => {
      const host = await openHost({ store, projectDir: tmp.path, stateDir: tmp.path, compiled, owner: 'h/1/x', isOwnerDead: () => false, labels, pollMs: 0 });
      try {
        return [...host.implemented].sort();
      } finally {
        await host.close();
      }
    };
    assert.deepEqual(await implemented({}), ['plain']);
    assert.deepEqual(await implemented({ zone: 'dmz', os: 'linux' }), ['dmz', 'plain']);
    assert.deepEqual(await implemented(undefined), ['dmz', 'plain']);
  } finally {
    await store.close();
    tmp.cleanup();
  }
});

test('--labels parses name=value pairs and refuses anything else', () => {
  assert.deepEqual(parseLabels('zone=dmz, os = linux'), { zone: 'dmz', os: 'linux' });
  assert.deepEqual(parseLabels(undefined), {});
  assert.throws(() => parseLabels('zone'), /--labels expects name=value pairs .* got "zone"/);
});
