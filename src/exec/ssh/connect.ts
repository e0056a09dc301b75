/**
 * Opens an SSH connection to a host of ordo.yaml (ssh2), checking its host key against the host's
 * known_hosts (accept-new adds an unknown one), and turns each way it can fail into a one-line reason
 * for `ordo show` and `ordo why`: wrong key, unknown or changed host key, connection refused, timeout.
 */
import ssh2 from 'ssh2';
import type { HostDef, SshHostDef } from '../../defs/model.js';
import { defaultKnownHosts } from '../../defs/ssh-host.js';
import { privateKeyOf, SshConnectError, type RevealSecrets } from './credentials.js';
import { addKnownHost, checkHostKey, knownHostsName, readKnownHosts } from './known-hosts.js';

export { SshConnectError, type RevealSecrets };

/** How long connecting and the SSH handshake may take. */
export const CONNECT_TIMEOUT_MS = 10_000;

export type SshHost = HostDef & { ssh: SshHostDef; address: string };

export function isSshHost(def: HostDef | undefined): def is SshHost {
  return def?.transport === 'ssh' && def.ssh !== undefined && def.address !== undefined;
}

/** The verdict of the host key check, turned into the reason a refusal gives (undefined: trusted). */
function verifyHostKey(host: SshHost, key: Buffer): string | undefined {
  const file = host.ssh.knownHosts ?? defaultKnownHosts();
  const name = knownHostsName(host.address, host.ssh.port);
  const verdict = checkHostKey(readKnownHosts(file), name, key);
  switch (verdict.kind) {
    case 'known':
      return undefined;
    case 'unknown':
      if (host.ssh.hostKey === 'accept-new') {
        addKnownHost(file, name, key);
        return undefined;
      }
      return `unknown host key: ${name} is not in ${file} (add it with ssh-keyscan -p ${host.ssh.port} ${host.address} >> ${file}, or set hostKey: accept-new)`;
    case 'changed':
      return `host key of ${name} does not match ${file}: it changed, or someone is in the middle (remove the old line if the change is expected)`;
    case 'revoked':
      return `host key of ${name} is marked @revoked in ${file}`;
    default: {
      const never: never = verdict;
      return never;
    }
  }
}

function reasonOf(host: SshHost, err: Error & { code?: string; level?: string }): string {
  const where = `${host.ssh.user}@${host.address}:${host.ssh.port}`;
  if (err.level === 'client-authentication') {
    const key = host.ssh.keySecret !== undefined ? ` with the key in secret "${host.ssh.keySecret}"` : host.ssh.key ? ` with key ${host.ssh.key}` : ' (no key: the server\'s ssh-agent was asked)';
    return `authentication failed for ${where}${key}: wrong key, or the key is not in the user's authorized_keys`;
  }
  if (err.code === 'ECONNREFUSED') return `host down: connection to ${where} refused`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `host down: cannot resolve ${host.address} (${err.code})`;
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') return `host down: ${where} unreachable (${err.code})`;
  if (err.level === 'client-timeout' || /timed out/i.test(err.message)) return `host down: no SSH handshake with ${where} within ${CONNECT_TIMEOUT_MS / 1000} s`;
  return `cannot connect to ${where}: ${err.message}`;
}

/**
 * sshd drops unauthenticated connections beyond MaxStartups (default 10:30:100: randomly from 10 on), so
 * handshakes to one host are limited to HANDSHAKES_PER_HOST at once, and one dropped early is tried again.
 */
export const HANDSHAKES_PER_HOST = 8;
const handshakes = new Map<string, { active: number; waiting: Array<() => void> }>();

async function withHandshakeSlot<T>(key: string, fn: () => Promise<T>): Promise<T> {
  let slot = handshakes.get(key);
  if (!slot) handshakes.set(key, (slot = { active: 0, waiting: [] }));
  const s = slot;
  if (s.active >= HANDSHAKES_PER_HOST) await new Promise<void>((r) => s.waiting.push(r));
  s.active++;
  try {
    return await fn();
  } finally {
    s.active--;
    const next = s.waiting.shift();
    if (next) next();
    else if (s.active === 0) handshakes.delete(key);
  }
}

const DROPPED = /connection lost before handshake|ECONNRESET/i;

export interface ConnectOptions {
  timeoutMs?: number;
  /** How this engine decrypts secrets, for a host whose key is one (`key: ${{ secrets.NAME }}`). */
  reveal?: RevealSecrets;
}

/** A ready connection, or a rejection with an SshConnectError whose message is the reason. */
export function connectSsh(host: SshHost, opts: ConnectOptions = {}): Promise<ssh2.Client> {
  const timeoutMs = opts.timeoutMs ?? CONNECT_TIMEOUT_MS;
  return withHandshakeSlot(`${host.address}:${host.ssh.port}`, async () => {
    for (let attempt = 1; ; attempt++) {
      const privateKey = await privateKeyOf(host, opts.reveal);
      try {
        return await connectOnce(host, timeoutMs, privateKey);
      } catch (err) {
        if (attempt >= 3 || !DROPPED.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      } finally {
        // ssh2 parsed the key when connecting: the clear copy goes now.
        privateKey?.fill(0);
      }
    }
  });
}

function connectOnce(host: SshHost, timeoutMs: number, privateKey: Buffer | undefined): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostKeyProblem: string | undefined;
    client.once('ready', () => resolve(client));
    client.once('error', (err: Error & { code?: string; level?: string }) => {
      client.end();
      reject(new SshConnectError(hostKeyProblem ?? reasonOf(host, err)));
    });
    client.connect({
      host: host.address, port: host.ssh.port, username: host.ssh.user, readyTimeout: timeoutMs,
      ...(privateKey ? { privateKey } : process.env.SSH_AUTH_SOCK ? { agent: process.env.SSH_AUTH_SOCK } : {}),
      hostVerifier: (key: Buffer) => {
        try {
          hostKeyProblem = verifyHostKey(host, key);
        } catch (err) {
          hostKeyProblem = `cannot check the host key: ${(err as Error).message}`;
        }
        return hostKeyProblem === undefined;
      },
      keepaliveInterval: 15_000,
    });
  });
}

/** Runs a short helper command on an open connection (kill, cleanup); resolves with its stdout and exit code. */
export function execShort(client: ssh2.Client, command: string, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) {
        reject(err);
        return;
      }
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      stream.on('data', (d: Buffer) => (stdout += d.toString()));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      stream.on('exit', (c: number | null) => (code = c));
      stream.on('close', () => resolve({ code, stdout, stderr }));
      stream.end(stdin);
    });
  });
}
