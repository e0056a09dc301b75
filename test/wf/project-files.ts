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
