// The command of the action `add` (workflows/add.ac): its input is JSON in the file ORDO_INPUT; it writes its
// output, a JSON object, to the file ORDO_RESULT.
const fs = require('node:fs');
const input = JSON.parse(fs.readFileSync(process.env.ORDO_INPUT, 'utf8'));
fs.writeFileSync(process.env.ORDO_RESULT, JSON.stringify({ counter: input.counter + input.step }));
