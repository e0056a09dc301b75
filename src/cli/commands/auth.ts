/**
 * `ordo user add|list` and `ordo token create|revoke|list`: the API's users and tokens, written straight to
 * the store (no server needed), which is also how the first superuser token is made:
 * `ordo token create --name admin --role superuser`.
 */
import type { Command } from 'commander';
import { ROLES, isRole, within, type Role } from '../../auth/roles.js';
import { hashPassword, hashToken, newToken } from '../../auth/secrets.js';
import { OrdoError } from '../../errors.js';
import { createToken, getUser, listTokens, listUsers, revokeToken, saveUser } from '../../store/auth.js';
import { action, withStore } from '../context.js';
import { table, time } from '../format.js';

const NAME = /^[A-Za-z0-9][\w.@-]{0,99}$/;
const actor = () => process.env.USER ?? 'cli';

function name(text: string, what: string): string {
  if (!NAME.test(text)) throw new OrdoError('ORDO_BAD_ARGUMENT', `${what} must be letters, digits, _ . @ - (up to 100), got "${text}"`);
  return text;
}

function role(text: string | undefined): Role {
  if (!isRole(text)) throw new OrdoError('ORDO_BAD_ARGUMENT', `--role must be one of ${ROLES.join(', ')}, got "${text ?? ''}"`);
  return text;
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
      const r = role(opts.role);
      let passwordHash: string | undefined;
      if (opts.passwordStdin) {
        const password = await readStdin();
        if (password.length < 8) throw new OrdoError('ORDO_BAD_ARGUMENT', 'the password must have at least 8 characters');
        passwordHash = await hashPassword(password);
      }
      await withStore(opts, (s) => saveUser(s.sql, { name: name(userName, 'a user name'), role: r, passwordHash }, actor(), Date.now(), !!opts.replace));
      process.stdout.write(`user ${userName} (${r}) saved\n`);
    }));
  user.command('list')
    .description('the users and their roles')
    .option('-d, --dir <dir>', 'project directory')
    .option('--json', 'print JSON')
    .action(action(async (opts: { dir?: string; json?: boolean }) => {
      const users = await withStore(opts, (s) => listUsers(s.sql));
      if (opts.json) process.stdout.write(`${JSON.stringify(users)}\n`);
      else process.stdout.write(table(['USER', 'ROLE', 'PASSWORD', 'CREATED'], users.map((u) => [u.name, u.role, u.hasPassword ? 'yes' : 'no', time(u.createdAt)])));
    }));

  const token = program.command('token').description('API tokens (stored hashed; shown once, when created)');
  token.command('create')
    .description('create a token and print it on the last line of the output')
    .requiredOption('-n, --name <name>', 'a name for the token (to revoke it later)')
    .option('-r, --role <role>', `${ROLES.join(' | ')} (default: the user's role)`)
    .option('-u, --user <user>', 'the user the token belongs to (its role may not exceed the user\'s)')
    .option('-d, --dir <dir>', 'project directory')
    .action(action(async (opts: { name: string; role?: string; user?: string; dir?: string }) => {
      const secret = newToken();
      const r = await withStore(opts, async (s) => {
        const owner = opts.user === undefined ? undefined : await getUser(s.sql, opts.user);
        if (opts.user !== undefined && !owner) throw new OrdoError('ORDO_NOT_FOUND', `user "${opts.user}" does not exist (ordo user add)`);
        const r = opts.role === undefined && owner ? owner.role : role(opts.role);
        if (owner && !within(r, owner.role)) throw new OrdoError('ORDO_BAD_ARGUMENT', `role ${r} exceeds the role of user ${owner.name} (${owner.role})`);
        await createToken(s.sql, { name: name(opts.name, '--name'), role: r, user: owner?.name ?? null, hash: hashToken(secret) }, actor(), Date.now());
        return r;
      });
      process.stdout.write(`token ${opts.name} (${r}) created; it is shown only this once:\n${secret}\n`);
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
      const tokens = await withStore(opts, (s) => listTokens(s.sql));
      if (opts.json) process.stdout.write(`${JSON.stringify(tokens)}\n`);
      else process.stdout.write(table(['TOKEN', 'ROLE', 'USER', 'CREATED', 'LAST USED'], tokens.map((t) => [t.name, t.role, t.user ?? '-', time(t.createdAt), time(t.lastUsedAt)])));
    }));
}
