/**
 * Variables end to end, on SQLite and on PostgreSQL: `vars:` of ordo.yaml and of a flow in job text, a run's
 * `--var` overrides, a refused unknown one, and a run created with `ordo start` that is resumed after the files
 * changed: it keeps the values it was created with. `ordo validate` reports an unknown `${{ vars.X }}`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inSandbox } from './support/backend-sandbox.js';
import { describeResult, type Sandbox } from './support/cli.js';

const FILES = {
  'ordo.yaml': 'vars: { region: eu, batch: 500 }\n',
  'f.yaml': 'flow: f\nvars: { batch: 2000 }\njobs:\n  a: { shell: \'echo "${{ vars.region }}/${{ vars.batch }}/$B"\', env: { B: "${{ vars.batch }}" } }\n',
};

async function output(box: Sandbox, args: string[]): Promise<{ run: number; out: string }> {
  const r = await box.ordo([...args, '--json']);
  assert.equal(r.code, 0, describeResult(args, r));
  const run = (JSON.parse(r.stdout) as { run: number }).run;
  const logs = await box.ordo(['logs', String(run), 'a', '--stream', 'stdout']);
  return { run, out: logs.stdout };
}

async function scenario(box: Sandbox): Promise<void> {
  assert.equal((await output(box, ['run', 'f'])).out, 'eu/2000/2000\n', 'the flow\'s batch over the project\'s');
  assert.equal((await output(box, ['run', 'f', '--var', 'region=us', '--var', 'batch=7'])).out, 'us/7/7\n');

  const bad = await box.ordo(['run', 'f', '--var', 'regoin=us']);
  assert.equal(bad.code, 2, describeResult(['run'], bad));
  assert.match(bad.stderr, /ORDO_BAD_PARAM flow "f" has no variable "regoin" \(did you mean 'region'\?\) \(variables: region, batch\)/);

  // Created now, driven after the files changed: the run keeps its values.
  const start = await box.ordo(['start', 'f', '--var', 'region=ap', '--json']);
  assert.equal(start.code, 0, describeResult(['start'], start));
  const run = (JSON.parse(start.stdout) as { run: number }).run;
  writeFileSync(join(box.project, 'ordo.yaml'), 'vars: { region: zz, batch: 1 }\n');
  writeFileSync(join(box.project, 'f.yaml'), FILES['f.yaml'].replace('batch: 2000', 'batch: 3'));
  const resumed = await box.ordo(['resume', String(run), '--json']);
  assert.equal(resumed.code, 0, describeResult(['resume'], resumed));
  assert.equal((await box.ordo(['logs', String(run), 'a', '--stream', 'stdout'])).stdout, 'ap/2000/2000\n');
  const show = JSON.parse((await box.ordo(['show', String(run), '--json'])).stdout) as { run: { vars: Record<string, string> } };
  assert.deepEqual(show.run.vars, { region: 'ap', batch: '2000' });
  assert.equal((await output(box, ['run', 'f'])).out, 'zz/3/3\n', 'a new run gets the files\' values');

  writeFileSync(join(box.project, 'f.yaml'), FILES['f.yaml'].replace('vars.region', 'vars.regoin'));
  const validate = await box.ordo(['validate']);
  assert.equal(validate.code, 2, describeResult(['validate'], validate));
  assert.match(validate.stdout, /^f\.yaml:4:15: ORDO_UNKNOWN_VAR \$\{\{ vars\.regoin \}\} in job "a": neither flow "f" nor ordo\.yaml has variable "regoin" \(did you mean 'region'\?\) \(variables: region, batch\)$/m);
}

for (const backend of ['sqlite', 'postgres'] as const) {
  test(`variables on ${backend}: project and flow values, --var, recorded with the run and kept when resumed`, async () => {
    await inSandbox(backend, FILES, scenario);
  });
}
