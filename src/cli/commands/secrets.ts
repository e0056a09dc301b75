/**
 * `ordo secret keygen|set|list|rm|rotate` (docs/secrets.md). Values come from standard input or a file, never
 * from the command line (argv is visible to every local user and kept in shell history). Without --server
 * the store is written directly, with the master key from ORDO_MASTER_KEY_FILE (or ORDO_MASTER_KEY); with
 * --server the server's key seals it.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { OrdoError } from '../../errors.js';
import { generateKeyFile, readKeyFile, requireMasterKey } from '../../secrets/master-key.js';
import { listSecrets, removeSecret, rotateMasterKey, setSecret, type SecretRecord } from '../../secrets/vault.js';
import { action, READ_ONLY, withStore } from '../context.js';
import { table, time } from '../format.js';
import { remoteTarget } from '../remote.js';

const actor = () => process.env.USER ?? 'cli';

interface Opts { dir?: string; server?: string; token?: string; json?: boolean }

async function readValue(file: string | undefined): Promise<string> {
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new OrdoError('ORDO_BAD_ARGUMENT', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  if (process.stdin.isTTY) process.stderr.write('value (end with Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the end of what was typed or echoed, not part of the value.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function withRemote(cmd: Command): Command {
  return cmd.option('-d, --dir <dir>', 'project directory')
    .option('--server <url>', 'a server to ask instead of the local store (ORDO_SERVER)')
    .option('--token <token>', 'API token with the manage permission (ORDO_TOKEN)');
}

export function registerSecretCommands(program: Command): void {
  const secret = program.command('secret').description('credentials jobs and connectors name as ${{ secrets.NAME }} (encrypted at rest)');

  secret.command('keygen <file>')
    .description('make a new master key file (mode 0600); point ORDO_MASTER_KEY_FILE at it')
    .action(action(async (file: string) => {
      const key = generateKeyFile(file);
      process.stdout.write(`master key ${key.id} written to ${file}; keep a copy somewhere safe: without it the secrets cannot be read\n`);
    }));

  withRemote(secret.command('set <name>'))
    .description('set a secret from standard input or --file (never from the command line)')
    .option('-f, --file <file>', 'read the value from this file')
    .action(action(async (name: string, opts: Opts & { file?: string }) => {
      const value = await readValue(opts.file);
      const remote = remoteTarget(opts);
      const r = remote
        ? await remote.call<{ replaced: boolean }>('secrets.set', { name, value })
        : await withStore(opts, (s) => setSecret(s.sql, requireMasterKey(process.env, 'ordo secret set'), name, value, actor(), Date.now()));
      process.stdout.write(`secret ${name} ${r.replaced ? 'replaced' : 'set'}\n`);
    }));

  withRemote(secret.command('list'))
    .description('the secrets: names and when set, never values')
    .option('--json', 'print JSON')
    .action(action(async (opts: Opts) => {
      const remote = remoteTarget(opts);
      const list = remote ? await remote.call<SecretRecord[]>('secrets.list') : await withStore(opts, (s) => listSecrets(s.sql), READ_ONLY);
      if (opts.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else process.stdout.write(table(['SECRET', 'KEY', 'UPDATED', 'BY'], list.map((r) => [r.name, r.keyId, time(r.updatedAt), r.updatedBy])));
    }));

  withRemote(secret.command('rm <name>'))
    .description('delete a secret (jobs naming it fail until it is set again)')
    .action(action(async (name: string, opts: Opts) => {
      const remote = remoteTarget(opts);
      if (remote) await remote.call('secrets.delete', { name });
      else await withStore(opts, (s) => removeSecret(s.sql, name, actor(), Date.now()));
      process.stdout.write(`secret ${name} deleted\n`);
    }));

  secret.command('rotate')
    .description('re-encrypt every secret with a new master key, in one transaction (the current key from ORDO_MASTER_KEY_FILE)')
    .requiredOption('--new-key-file <file>', 'the new key (ordo secret keygen makes one)')
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (opts: { newKeyFile: string; dir?: string }) => {
      const from = requireMasterKey(process.env, 'ordo secret rotate');
      const to = readKeyFile(opts.newKeyFile);
      const n = await withStore(opts, (s) => rotateMasterKey(s.sql, from, to, actor(), Date.now()));
      process.stdout.write(`${n} secret${n === 1 ? '' : 's'} re-encrypted from key ${from.id} to ${to.id}; now set ORDO_MASTER_KEY_FILE=${opts.newKeyFile} for the server and restart it\n`);
    }));
}
