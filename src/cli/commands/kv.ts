/**
 * `ordo kv set|get|list`: the pigeon hole, a key-value store of one run (seed 000). Inside a job the
 * environment says which run (ORDO_RUN_ID) and which store (ORDO_HOME or DATABASE_URL).
 */
import type { Command } from 'commander';
import { OrdoError } from '../../errors.js';
import { action, parseRunId, READ_ONLY, storeFor } from '../context.js';

interface KvOptions {
  dir?: string;
  run?: string;
}

function runIdOf(opts: KvOptions): number {
  const text = opts.run ?? process.env.ORDO_RUN_ID;
  if (!text) throw new OrdoError('ORDO_BAD_ARGUMENT', 'no run: pass --run RUN, or call this from inside a job (ORDO_RUN_ID)');
  return parseRunId(text);
}

const KEY = /^[A-Za-z_][\w.-]{0,199}$/;

export function registerKvCommands(program: Command): void {
  const kv = program.command('kv').description("the run's key-value store (the pigeon hole)");
  const common = (c: Command) => c.option('-d, --dir <dir>', 'project directory').option('--run <run>', 'run id (default: ORDO_RUN_ID)');

  common(kv.command('set <key> <value>').description('store a value'))
    .action(action(async (key: string, value: string, opts: KvOptions) => {
      if (!KEY.test(key)) throw new OrdoError('ORDO_BAD_ARGUMENT', `"${key}" is not a valid key (letters, digits, _ . -; up to 200)`);
      const runId = runIdOf(opts);
      const store = await storeFor(opts);
      try {
        if (!(await store.getRun(runId))) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
        await store.kvSet(runId, key, value, Date.now());
      } finally {
        await store.close();
      }
    }));

  common(kv.command('get <key>').description('print a value (exit 3 when the key is not set)'))
    .action(action(async (key: string, opts: KvOptions) => {
      const runId = runIdOf(opts);
      const store = await storeFor(opts, READ_ONLY);
      try {
        if (!(await store.getRun(runId))) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
        const value = await store.kvGet(runId, key);
        if (value === undefined) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} has no key "${key}"`);
        process.stdout.write(`${value}\n`);
      } finally {
        await store.close();
      }
    }));

  common(kv.command('list').description('print every key and value as JSON'))
    .action(action(async (opts: KvOptions) => {
      const runId = runIdOf(opts);
      const store = await storeFor(opts, READ_ONLY);
      try {
        if (!(await store.getRun(runId))) throw new OrdoError('ORDO_NOT_FOUND', `run ${runId} does not exist`);
        const entries = await store.kvList(runId);
        process.stdout.write(`${JSON.stringify(Object.fromEntries(entries.map((e) => [e.key, e.value])))}\n`);
      } finally {
        await store.close();
      }
    }));
}
