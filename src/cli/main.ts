#!/usr/bin/env node
/** The `ordo` command line. Each command lives in cli/commands/; this file only assembles them. */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { repoPath } from '../paths.js';
import { registerGraphCommand } from './commands/graph.js';
import { registerKvCommands } from './commands/kv.js';
import { registerLogsCommand } from './commands/logs.js';
import { registerOperatorCommands } from './commands/operate.js';
import { registerResourceCommands } from './commands/resources.js';
import { registerRunCommands } from './commands/run.js';
import { registerServerCommand } from './commands/server.js';
import { registerScheduleCommands } from './commands/schedule.js';
import { registerShowCommands } from './commands/show.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerValidateCommand } from './commands/validate.js';

const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };

const program = new Command()
  .name('ordo')
  .description('Ordo: a job scheduler and workflow engine. Flows of dependent jobs, run durably.')
  .version(pkg.version)
  .showHelpAfterError('(run `ordo help` for the list of commands)')
  .exitOverride();

registerRunCommands(program);
registerServerCommand(program);
registerShowCommands(program);
registerLogsCommand(program);
registerGraphCommand(program);
registerValidateCommand(program);
registerKvCommands(program);
registerOperatorCommands(program);
registerResourceCommands(program);
registerSimulateCommand(program);
registerScheduleCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Usage errors were already printed by commander as one line; help and version are not errors.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    throw err;
  }
}
