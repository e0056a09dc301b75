/**
 * A real OpenSSH server on 127.0.0.1 for tests of SSH hosts: its own host key, one client key in its
 * authorized_keys, a known_hosts file that trusts it, all in a temp directory. It runs as the current user
 * (root here and in CI, hence PermitRootLogin prohibit-password), without PAM and without StrictModes.
 *
 *   const sshd = await startSshd();
 *   // hosts: { box: { transport: ssh, address: 127.0.0.1, port: sshd.port, user: sshd.user, key: sshd.keyFile,
 *   //                 knownHosts: sshd.knownHostsFile } }
 *   await sshd.stop();
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { tempDir } from './tmp.js';

export interface Sshd {
  port: number;
  user: string;
  /** A private key (ed25519, no passphrase) that the server accepts. */
  keyFile: string;
  /** A private key the server does not accept (for wrong-key cases). */
  otherKeyFile: string;
  /** known_hosts holding the server's host key for [127.0.0.1]:PORT. */
  knownHostsFile: string;
  /** That known_hosts line. */
  hostKeyLine: string;
  /** The temp directory everything lives in (removed by stop). */
  dir: string;
  stop(): Promise<void>;
}

export const SSHD_BINARY = '/usr/sbin/sshd';

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ordo-test', '-f', file], { stdio: 'ignore' });
}

/** Resolves once something accepts connections on the port (bounded: 100 tries, 50 ms apart). */
async function listening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on port ${port}: ${log()}`);
}

/** sshd refuses to start without its privilege separation directory, which a fresh container lacks. */
function ensurePrivsepDir(): void {
  try {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch {
    // Not root: sshd says what is missing if it needs it.
  }
}

export async function startSshd(): Promise<Sshd> {
  ensurePrivsepDir();
  const tmp = tempDir('ordo-sshd-');
  const dir = tmp.path;
  const hostKey = join(dir, 'host_ed25519');
  const keyFile = join(dir, 'client_ed25519');
  const otherKeyFile = join(dir, 'other_ed25519');
  keygen(hostKey);
  keygen(keyFile);
  keygen(otherKeyFile);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${keyFile}.pub`));
  const port = await freePort();
  const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  const hostKeyLine = `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}`;
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `${hostKeyLine}\n`);
  const config = join(dir, 'sshd_config');
  writeFileSync(config, [
    `ListenAddress 127.0.0.1`,
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    // Copy jobs use SFTP, as with any stock sshd (internal: no sftp-server binary needed).
    'Subsystem sftp internal-sftp',
    'StrictModes no',
    'UsePAM no',
    'LogLevel ERROR',
    '',
  ].join('\n'));
  let log = '';
  const child = spawn(SSHD_BINARY, ['-D', '-e', '-f', config, '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  try {
    await listening(port, child, () => log);
  } catch (err) {
    child.kill('SIGKILL');
    tmp.cleanup();
    throw err;
  }
  return {
    port, user: userInfo().username, keyFile, otherKeyFile, knownHostsFile, hostKeyLine, dir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      tmp.cleanup();
    },
  };
}
