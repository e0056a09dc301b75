/**
 * Credentials as an admin and a job meet them (docs/secrets.md): the real CLI sets secrets from standard
 * input or a file under a master key file, a flow names them in argv, env, a shell script and a connector,
 * and the values reach the job but nothing that Ordo writes: output, result, attempt log, store, events.
 * The vault itself also on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseKey } from '../src/secrets/master-key.js';
import { listSecrets, removeSecret, revealSecrets, rotateMasterKey, setSecret } from '../src/secrets/vault.js';
import { BACKENDS } from './support/backends.js';
import { CLI_PATH, describeResult, lines, sandbox, type Sandbox } from './support/cli.js';

const VALUE = 'pa55-w0rd-Zq9';
const TOKEN = 'tok-7f3a9c1e';

const FLOW = `flow: uses
jobs:
  argv:
    command: [sh, -c, 'echo "argv got $1"; echo "to stderr $1" >&2', x, '\${{ secrets.db_password }}']
  env:
    env: { PW: '\${{ secrets.db_password }}' }
    shell: 'echo "env got $PW"; printf "{\\"leak\\": \\"%s\\"}" "$PW" > "$ORDO_RESULT"'
  script:
    shell: 'echo "script got \${{ secrets.api_token }}"; exit 0'
  connector:
    connector: dwh
    shell: 'echo "connector got $ORDO_CONNECTOR_DWH_PASSWORD and $ORDO_CONNECTOR_DWH_CREDENTIALS"'
`;

const PROJECT = {
  'ordo.yaml': `connectors:
  dwh:
    credentials: 'token:\${{ secrets.api_token }}'
    environments:
      test: { host: localhost, password: '\${{ secrets.db_password }}' }
environment: test
`,
  'flows/uses.yaml': FLOW,
  'flows/missing.yaml': `flow: missing
jobs:
  needs: { shell: 'echo \${{ secrets.not_set }}' }
`,
};

async function ok(box: Sandbox, args: string[], extra: { env?: NodeJS.ProcessEnv; shell?: string } = {}): Promise<string> {
  const r = extra.shell !== undefined
    ? await import('./support/cli.js').then((m) => m.runCli([], { cwd: box.project, env: extra.env ?? box.env, shell: extra.shell }))
    : await box.ordo(args);
  assert.equal(r.code, 0, describeResult(args, r));
  return r.stdout;
}

/** Every file under dir, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

test('secrets reach the job, and only the job: masked in output, result and logs, sealed in the store', async () => {
  const keyBox = sandbox(PROJECT);
  const keyFile = join(keyBox.root.path, 'master.key');
  const box = sandbox(PROJECT, { ORDO_MASTER_KEY_FILE: keyFile });
  try {
    assert.match(await ok(box, ['secret', 'keygen', keyFile]), /^master key [0-9a-f]{16} written to /);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    // From standard input (the trailing newline of echo is not part of the value) and from a file.
    await ok(box, [], { shell: `printf '%s\\n' '${VALUE}' | "${process.execPath}" "${CLI_PATH}" secret set db_password` });
    writeFileSync(join(box.root.path, 'token.txt'), `${TOKEN}\n`);
    assert.equal(await ok(box, ['secret', 'set', 'api_token', '--file', join(box.root.path, 'token.txt')]), 'secret api_token set\n');
    const listed = await ok(box, ['secret', 'list', '--json']);
    assert.deepEqual((JSON.parse(listed) as { name: string }[]).map((s) => s.name), ['api_token', 'db_password']);
    assert.ok(!listed.includes(VALUE) && !listed.includes(TOKEN));

    const run = JSON.parse(lines(await ok(box, ['run', 'uses', '--json']))[0]!) as { run: number; state: string };
    assert.equal(run.state, 'succeeded');
    const out = (job: string) => ok(box, ['logs', String(run.run), job]);
    assert.equal(await out('argv'), 'argv got ***\nto stderr ***\n');
    assert.equal(await out('env'), 'env got ***\n');
    assert.equal(await out('script'), 'script got ***\n');
    assert.equal(await out('connector'), 'connector got *** and token:***\n');
    const shown = await ok(box, ['show', String(run.run), '--json']);
    assert.match(shown, /"leak":"\*\*\*"/, 'the result the job wrote is kept masked');
    const attemptLog = await ok(box, ['logs', String(run.run), 'argv', '--stream', 'attempt']);
    assert.match(attemptLog, /START/);
    assert.ok(!attemptLog.includes(VALUE), attemptLog);
    // Nothing Ordo keeps holds a value in clear: the SQLite file, its WAL, output, inputs, results, logs.
    for (const file of filesUnder(box.home)) {
      const bytes = readFileSync(file);
      assert.ok(!bytes.includes(VALUE) && !bytes.includes(TOKEN), `${file} holds a secret in clear`);
    }

    // A secret not set fails the job before it starts, saying which and how to set it.
    const failed = await box.ordo(['run', 'missing', '--json']);
    assert.notEqual(failed.code, 0);
    const missingShow = await ok(box, ['show', String((JSON.parse(lines(failed.stdout)[0]!) as { run: number }).run), '--json']);
    assert.match(missingShow, /secret \\"not_set\\" not set \(an admin sets one with: ordo secret set NAME\)/);

    // Rotation: every secret re-sealed under the new key; the old key is then refused by name.
    const newKey = join(box.root.path, 'new.key');
    await ok(box, ['secret', 'keygen', newKey]);
    assert.match(await ok(box, ['secret', 'rotate', '--new-key-file', newKey]), /^2 secrets re-encrypted from key [0-9a-f]{16} to [0-9a-f]{16}/);
    const stale = await box.ordo(['run', 'uses', '--json']);
    assert.notEqual(stale.code, 0);
    const staleShow = await ok(box, ['show', String((JSON.parse(lines(stale.stdout)[0]!) as { run: number }).run), '--json']);
    assert.match(staleShow, /was encrypted with master key [0-9a-f]{16}, but the key from .*master\.key is/);
    const rotated = sandbox(PROJECT, { ORDO_MASTER_KEY_FILE: newKey, ORDO_HOME: box.home });
    const again = JSON.parse(lines(await ok(rotated, ['run', 'uses', '--json']))[0]!) as { state: string };
    assert.equal(again.state, 'succeeded');

    // Without a master key: setting is refused with what to do, and a job naming a secret fails so.
    const keyless = sandbox(PROJECT, { ORDO_HOME: box.home });
    const refused = await keyless.ordo(['secret', 'set', 'x', '--file', join(box.root.path, 'token.txt')]);
    assert.equal(refused.code, 2, describeResult(['secret', 'set'], refused));
    assert.match(refused.stderr, /ORDO_MASTER_KEY ordo secret set needs the master key: set ORDO_MASTER_KEY_FILE/);
    const noKeyRun = await keyless.ordo(['run', 'uses', '--json']);
    assert.match((await ok(keyless, ['show', String((JSON.parse(lines(noKeyRun.stdout)[0]!) as { run: number }).run), '--json'])), /has no master key/);

    assert.equal(await ok(box, ['secret', 'rm', 'api_token']), 'secret api_token deleted\n');
    const gone = await box.ordo(['secret', 'rm', 'api_token']);
    assert.equal(gone.code, 3);
  } finally {
    box.cleanup();
    keyBox.cleanup();
  }
});

test('ordo validate: a connector may name only secrets', async () => {
  const box = sandbox({
    'ordo.yaml': `connectors:\n  dwh:\n    credentials: '\${{ params.x }}'\n    environments:\n      test: { password: '\${{ secrets.ok }} \${{ kv.nope }}' }\n`,
    'flows/f.yaml': 'flow: f\njobs:\n  a: { command: [true] }\n',
  });
  try {
    const r = await box.ordo(['validate']);
    assert.equal(r.code, 2, describeResult(['validate'], r));
    assert.match(r.stdout + r.stderr, /ordo\.yaml:3:18: ORDO_BAD_EXPRESSION "credentials" of connector "dwh": \$\{\{ params\.x \}\} cannot be used here: a connector may only name secrets/);
    assert.match(r.stdout + r.stderr, /ordo\.yaml:5:25: .*\$\{\{ kv\.nope \}\} cannot be used here/);
  } finally {
    box.cleanup();
  }
});

const KEY_1 = parseKey('a1'.repeat(32), 'key 1');
const KEY_2 = parseKey('b2'.repeat(32), 'key 2');

describe('the vault on each backend', () => {
  for (const backend of BACKENDS) {
    test(backend.name, async () => {
      const { store, release } = await backend.open();
      try {
        const db = store.sql;
        assert.deepEqual(await setSecret(db, KEY_1, 'a', 'value-a', 'alice', 1000), { replaced: false });
        assert.deepEqual(await setSecret(db, KEY_1, 'a', 'value-a2', 'bob', 2000), { replaced: true });
        await setSecret(db, KEY_1, 'b', 'multi\nline value', 'alice', 3000);
        assert.deepEqual((await listSecrets(db)).map((s) => [s.name, s.keyId, s.createdAt, s.updatedAt, s.updatedBy]),
          [['a', KEY_1.id, 1000, 2000, 'bob'], ['b', KEY_1.id, 3000, 3000, 'alice']]);
        assert.deepEqual([...await revealSecrets(db, KEY_1, ['a', 'b'])], [['a', 'value-a2'], ['b', 'multi\nline value']]);
        await assert.rejects(revealSecrets(db, KEY_1, ['a', 'zz', 'yy']), /secrets "zz", "yy" not set/);
        await assert.rejects(setSecret(db, KEY_1, 'bad name', 'value', 'x', 1), /secret name "bad name"/);
        await assert.rejects(setSecret(db, KEY_1, 'short', 'abc', 'x', 1), /at least 4 characters/);
        assert.equal(await rotateMasterKey(db, KEY_1, KEY_2, 'carol', 4000), 2);
        await assert.rejects(revealSecrets(db, KEY_1, ['a']), /encrypted with master key/);
        assert.equal((await revealSecrets(db, KEY_2, ['b'])).get('b'), 'multi\nline value');
        await removeSecret(db, 'a', 'dave', 5000);
        await assert.rejects(removeSecret(db, 'a', 'dave', 5001), /no secret named "a"/);
        const events = await db.query("SELECT kind, data FROM events WHERE kind LIKE 'secret%' ORDER BY id");
        assert.deepEqual(events.map((e) => e.kind), ['secret_set', 'secret_set', 'secret_set', 'secrets_rekeyed', 'secret_deleted']);
        assert.ok(events.every((e) => !String(e.data).includes('value')), 'events never hold a value');
      } finally {
        await release();
      }
    });
  }
});
