/**
 * The SSH side of a host of ordo.yaml (`transport: ssh`, docs/hosts.md): who logs in, with which key, and
 * which host keys are trusted. Checked at validate time as far as this machine can tell: the address and
 * user are there, the key file is a private key ssh2 can read, a strict known_hosts file exists.
 *
 *   hosts:
 *     old1: { transport: ssh, address: old1.example.net, user: batch, port: 22, key: keys/old1,
 *             knownHosts: keys/known_hosts, hostKey: accept-new }
 *     old2: { transport: ssh, address: old2.example.net, user: batch, key: '${{ secrets.old2_key }}' }
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import ssh2 from 'ssh2';
import type { Node, YAMLMap } from 'yaml';
import { parseTemplate } from './expr.js';
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
  return privateKeyProblem(text, `the key file ${path}`);
}

/** Why a private key (`what`: the key file X, the secret "N") cannot be used, or undefined when it can. Never quotes the key. */
export function privateKeyProblem(text: Buffer | string, what: string): string | undefined {
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error) return `${what} is not a private key ssh2 can use: ${parsed.message}`;
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!first?.isPrivateKey()) return `${what} holds no private key`;
  return undefined;
}

/**
 * `key: ${{ secrets.NAME }}`: the secret's name; undefined for a plain path. Anything else with `${{` is
 * reported: the whole value must be one secret reference (a key is not assembled from pieces).
 */
function keySecretOf(reader: Reader, node: Node | null, text: string, label: string): string | null | undefined {
  if (!text.includes('${{')) return undefined;
  const parsed = parseTemplate(text);
  for (const err of parsed.errors) reader.diags.error('ORDO_BAD_EXPRESSION', `${label}: ${err.message}`, reader.at(node));
  if (parsed.errors.length > 0) return null;
  const [only, ...more] = parsed.parts;
  if (only !== undefined && typeof only !== 'string' && only.kind === 'secret' && more.length === 0) return only.name;
  reader.diags.error('ORDO_BAD_EXPRESSION', `${label} must be a key file, or exactly \${{ secrets.NAME }} (a private key stored with ordo secret set NAME --file KEYFILE), got "${text}"`, reader.at(node));
  return null;
}

/** `key`: a private key file (checked now), or a secret holding one (checked by `ordo validate` against the store, ssh-key-secrets.ts). */
function readKey(reader: Reader, node: Node | null, text: string, label: string, projectDir: string, ssh: SshHostDef): void {
  const secret = keySecretOf(reader, node, text, label);
  if (secret === null) return;
  if (secret !== undefined) {
    [ssh.keySecret, ssh.keyAt] = [secret, reader.at(node)];
    return;
  }
  ssh.key = projectPath(projectDir, text);
  const problem = keyFileProblem(ssh.key);
  if (problem) reader.diags.error('ORDO_BAD_VALUE', `${label}: ${problem}`, reader.at(node));
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
      if (f.key === 'knownHosts') ssh.knownHosts = projectPath(projectDir, p);
      else readKey(reader, f.value, p, label, projectDir, ssh);
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
