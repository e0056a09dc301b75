/**
 * `ordo user add|list` and `ordo token create|revoke|list`: the API's users and tokens, written straight to
 * the store (no server needed), which is also how the first superuser token is made:
 * `ordo token create --name admin --role superuser`. Changing a user's role with `ordo user add --replace`
 * narrows its tokens at once, also on connections open to a server (they check before each call).
 */
import type { Command } from 'commander';
import { addUser, issueToken } from '../../auth/manage.js';
import { ROLES } from '../../auth/roles.js';
import { OrdoError } from '../../errors.js';
import { listTokens, listUsers, revokeToken } from '../../store/auth.js';
import { action, READ_ONLY, withStore } from '../context.js';
import { table, time } from '../format.js';

const actor = () => process.env.USER ?? 'cli';

/** `never`, the time, or the time and `(expired)`. */
function expiry(at: number | null): string {
  if (at === null) return 'never';
  return at <= Date.now() ? `${time(at)} (expired)` : time(at);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerAuthCommands(program: Command): void {
  const user = program.command('user').description('users of the API and the console');
  user.command('add <name>')
    .description('add a user (or change its role with --replace)')
    .requiredOption('-r, --role <role>', ROLES.join(' | '))
    .option('--password-stdin', 'read a password from standard input (stored as scrypt)')
    .option('--replace', 'change an existing user')
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (userName: string, opts: { role: string; passwordStdin?: boolean; replace?: boolean; dir?: string }) => {
      const password = opts.passwordStdin ? await readStdin() : undefined;
      const r = await withStore(opts, (s) => addUser(s.sql, { name: userName, role: opts.role, password, replace: opts.replace }, actor(), Date.now()));
      process.stdout.write(`user ${userName} (${r}) saved\n`);
    }));
  user.command('list')
    .description('the users and their roles')
    .option('-d, --dir <dir>', 'project directory')
    .option('--json', 'print JSON')
    .action(action(async (opts: { dir?: string; json?: boolean }) => {
      const users = await withStore(opts, (s) => listUsers(s.sql), READ_ONLY);
      if (opts.json) process.stdout.write(`${JSON.stringify(users)}\n`);
      else process.stdout.write(table(['USER', 'ROLE', 'PASSWORD', 'CREATED'], users.map((u) => [u.name, u.role, u.hasPassword ? 'yes' : 'no', time(u.createdAt)])));
    }));

  const token = program.command('token').description('API tokens (stored hashed; shown once, when created)');
  token.command('create')
    .description('create a token and print it on the last line of the output')
    .requiredOption('-n, --name <name>', 'a name for the token (to revoke it later)')
    .option('-r, --role <role>', `${ROLES.join(' | ')} (default: the user's role)`)
    .option('-u, --user <user>', 'the user the token belongs to (its role may not exceed the user\'s)')
    .option('--expires <when>', 'when it stops working: a duration (90m, 12h, 30d) or an ISO date (2027-01-31, 2027-01-31T18:00Z); default never')
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (opts: { name: string; role?: string; user?: string; expires?: string; dir?: string }) => {
      const { role, secret, expiresAt } = await withStore(opts, (s) => issueToken(s.sql, opts, actor(), Date.now()));
      const until = expiresAt === null ? '' : `, valid until ${new Date(expiresAt).toISOString()}`;
      process.stdout.write(`token ${opts.name} (${role}${until}) created; it is shown only this once:\n${secret}\n`);
    }));
  token.command('revoke <name>')
    .description('revoke a token: it stops working at once')
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (tokenName: string, opts: { dir?: string }) => {
      if (!(await withStore(opts, (s) => revokeToken(s.sql, tokenName, actor(), Date.now())))) {
        throw new OrdoError('ORDO_NOT_FOUND', `there is no token named "${tokenName}"`);
      }
      process.stdout.write(`token ${tokenName} revoked\n`);
    }));
  token.command('list')
    .description('the tokens (never their secrets)')
    .option('-d, --dir <dir>', 'project directory')
    .option('--json', 'print JSON')
    .action(action(async (opts: { dir?: string; json?: boolean }) => {
      const tokens = await withStore(opts, (s) => listTokens(s.sql), READ_ONLY);
      if (opts.json) process.stdout.write(`${JSON.stringify(tokens)}\n`);
      else {
        process.stdout.write(table(['TOKEN', 'ROLE', 'USER', 'CREATED', 'LAST USED', 'EXPIRES'],
          tokens.map((t) => [t.name, t.role, t.user ?? '-', time(t.createdAt), time(t.lastUsedAt), expiry(t.expiresAt)])));
      }
    }));
}
