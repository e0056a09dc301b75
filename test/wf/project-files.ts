/** A small project for the CLI tests: calltest with `add` implemented by a command, and a flow with a workflow job. */
const ADD_JS = `const fs = require('node:fs');
const input = JSON.parse(fs.readFileSync(process.env.ORDO_INPUT, 'utf8'));
fs.writeFileSync(process.env.ORDO_RESULT, JSON.stringify({ counter: input.counter + input.step }));
`;

export const PROJECT: Record<string, string> = {
  'ordo.yaml': '',
  'package.json': '{"type": "commonjs"}',
  'scripts/add.js': ADD_JS,
  'add.ac': "action add:\n  in:\n    counter number\n    step number 1\n  out:\n    counter number\n  config:\n    command = 'node scripts/add.js'\n",
  'calltest.wf': 'workflow calltest:\n  in:\n    input number\n  out:\n    output number\n  wfomap:\n    output = v.thing\n  do:\n    call add:\n      counter = a.input\n      step = 3\n    into:\n      thing = o.counter\n',
  'nightly.yaml': `flow: nightly
params:
  n: { type: integer, required: true }
jobs:
  compute:
    kind: workflow
    workflow: calltest
    input: { input: "\${{ params.n }}" }
  report:
    after: [compute]
    shell: 'echo "got \${{ jobs.compute.result.output }}" > "$ORDO_PROJECT/report.txt"'
  broken:
    kind: workflow
    workflow: calltest
    input: { input: "not a number \${{ params.n }}" }
`,
};

/**
 * For the operator commands: a run that waits (sleeps an hour, with a variable to change) and one whose action
 * fails until a file `ok` exists in the project directory (to retry it).
 */
export const OPERATOR_FILES: Record<string, string> = {
  'waiter.wf': "workflow waiter:\n  out:\n    r string\n  wfomap:\n    r = v.target\n  do:\n    eval:\n      target = 'default'\n    sleep 3600\n",
  'flaky.ac': "action flaky:\n  in:\n    n number\n  out:\n    n number\n  config:\n    command = 'node scripts/flaky.js'\n",
  'scripts/flaky.js': `const fs = require('node:fs');
if (!fs.existsSync('ok')) { fs.writeFileSync(process.env.ORDO_RESULT, JSON.stringify({ error: { msg: 'not yet', class: 'abort' } })); process.exit(0); }
fs.writeFileSync(process.env.ORDO_RESULT, JSON.stringify({ n: 7 }));
`,
  'retried.wf': 'workflow retried:\n  out:\n    n number\n  wfomap:\n    n = v.n\n  do:\n    call flaky:\n      n = 1\n    into:\n      n = o.n\n',
};
