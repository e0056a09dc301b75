#!/usr/bin/env node
/** The `ordo` command line. Each command lives in cli/commands/; this file only assembles them. */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { reportError, writeError } from './context.js';
import { repoPath } from '../paths.js';
import { registerAuthCommands } from './commands/auth.js';
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
import { registerTimeCommands } from './commands/time.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerWorkflowCommands } from './commands/workflow.js';
import { registerHostCommands } from './commands/hosts.js';
import { registerSecretCommands } from './commands/secrets.js';
import { registerHandlerCommands } from './commands/handlers.js';
import { registerArchiveCommand } from './commands/archive.js';
import { registerBatchCommands } from './commands/batch.js';
import { registerServersCommand } from './commands/servers.js';
import { installRemote } from './remote.js';

const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };

const program = new Command()
  .name('ordo')
  .description('Ordo: a job scheduler and workflow engine. Flows of dependent jobs, run durably.')
  .version(pkg.version)
  .exitOverride()
  // Usage errors follow the one-line rule: `ordo: CODE message`.
  .configureOutput({ outputError: (text) => writeError('ORDO_BAD_ARGUMENT', `${text.replace(/^error: /, '').trim()} (see ordo help)`) });

// A reader that stops early (`ordo runs | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

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
registerAuthCommands(program);
registerWorkflowCommands(program);
registerHostCommands(program);
registerSecretCommands(program);
registerHandlerCommands(program);
registerArchiveCommand(program);
registerBatchCommands(program);
registerServersCommand(program);
// After every command: adds --server/--token to those that can run against a remote server.
installRemote(program);
registerTimeCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Usage errors were already printed as one line; help and version are not errors.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    // Thrown while parsing options (a `--param` without `=`).
    process.exitCode = reportError(err);
  }
}
