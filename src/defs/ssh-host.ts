/**
 * The SSH side of a host of ordo.yaml (`transport: ssh`, docs/hosts.md): who logs in, with which key, and
 * which host keys are trusted. Checked at validate time as far as this machine can tell: the address and
 * user are there, the key file is a private key ssh2 can read, a strict known_hosts file exists.
 *
 *   hosts:
 *     old1: { transport: ssh, address: old1.example.net, user: batch, port: 22, key: keys/old1,
 *             knownHosts: keys/known_hosts, hostKey: accept-new }
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import ssh2 from 'ssh2';
import type { YAMLMap } from 'yaml';
import type { HostDef, SshHostDef } from './model.js';
import type { Entry, Reader } from './yaml.js';

export const SSH_KEYS = ['user', 'port', 'key', 'knownHosts', 'hostKey'] as const;
const HOST_KEY_POLICIES = ['strict', 'accept-new'] as const;

/** A path of ordo.yaml: `~/` is the server user's home, a relative one is relative to the project. */
export function projectPath(projectDir: string, p: string): string {
  if (p === '~' || p.startsWith('~/')) return join(homedir(), p.slice(1));
  return isAbsolute(p) ? p : resolve(projectDir, p);
}

/** The known_hosts file a host without `knownHosts` uses. */
export const defaultKnownHosts = (): string => join(homedir(), '.ssh', 'known_hosts');

/** Why a private key file cannot be used, or undefined when it can. */
export function keyFileProblem(path: string): string | undefined {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    return `cannot read the key file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error) return `the key file ${path} is not a private key ssh2 can use: ${parsed.message}`;
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!first?.isPrivateKey()) return `the key file ${path} holds no private key`;
  return undefined;
}

/** Reads the SSH keys of one host body; reports them on an agent host, and what an ssh host lacks. */
export function readSshHost(reader: Reader, body: YAMLMap, fields: Entry[], def: HostDef, what: string, projectDir: string): SshHostDef | undefined {
  const sshFields = fields.filter((f) => (SSH_KEYS as readonly string[]).includes(f.key));
  if (def.transport !== 'ssh') {
    for (const f of sshFields) {
      reader.diags.error('ORDO_BAD_VALUE', `"${f.key}" of ${what} is for transport: ssh (this host's jobs run on its agent)`, reader.at(f.keyNode));
    }
    return undefined;
  }
  const ssh: SshHostDef = { user: '', port: 22, hostKey: 'strict' };
  let user = false;
  for (const f of sshFields) {
    const label = `"${f.key}" of ${what}`;
    if (f.key === 'port') ssh.port = reader.integer(f.value, label, 1) ?? ssh.port;
    else if (f.key === 'user') {
      const u = reader.text(f.value, label);
      if (u !== undefined) [ssh.user, user] = [u, true];
    } else if (f.key === 'hostKey') {
      const p = reader.string(f.value, label);
      if (p !== undefined && !(HOST_KEY_POLICIES as readonly string[]).includes(p)) {
        reader.diags.error('ORDO_BAD_VALUE', `${label} must be ${HOST_KEY_POLICIES.join(' or ')}, got "${p}"`, reader.at(f.value));
      } else if (p !== undefined) ssh.hostKey = p as SshHostDef['hostKey'];
    } else {
      const p = reader.string(f.value, label);
      if (p === undefined) continue;
      const path = projectPath(projectDir, p);
      if (f.key === 'key') {
        ssh.key = path;
        const problem = keyFileProblem(path);
        if (problem) reader.diags.error('ORDO_BAD_VALUE', `${label}: ${problem}`, reader.at(f.value));
      } else ssh.knownHosts = path;
    }
  }
  if (ssh.port > 65535) reader.diags.error('ORDO_BAD_VALUE', `"port" of ${what} must be at most 65535, got ${ssh.port}`, reader.at(body));
  if (ssh.knownHosts !== undefined && ssh.hostKey === 'strict' && !readable(ssh.knownHosts)) {
    const f = sshFields.find((e) => e.key === 'knownHosts');
    reader.diags.error('ORDO_BAD_VALUE', `"knownHosts" of ${what}: cannot read ${ssh.knownHosts} (with hostKey: accept-new it is created)`, reader.at(f?.value));
  }
  if (def.address === undefined) reader.diags.error('ORDO_MISSING_KEY', `${what} has transport: ssh and needs "address"`, reader.at(body));
  if (!user) reader.diags.error('ORDO_MISSING_KEY', `${what} has transport: ssh and needs "user"`, reader.at(body));
  return ssh;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
