/**
 * The shell text an SSH attempt sends to the host's login shell (POSIX sh). sshd runs each command in a
 * new session, so the shell's `$$` is its process group, which `exec` hands to the job: the attempt's
 * directory on the host (`/tmp/ordo-ssh.<id>`, mode 700) records it in `pid`, so a timeout, an abort or a
 * server that restarts can kill the whole group (grandchildren too) over another channel.
 *
 *   <dir>/pid          the job's process group
 *   <dir>/input.json   ORDO_INPUT (sent on the job's stdin, written before the command starts)
 *   <dir>/result.json  ORDO_RESULT, if the job writes it (read back, then the directory goes)
 */
import { formatBytes } from '../../defs/limits.js';
import type { JobDef } from '../../defs/model.js';

/** Quotes one word for sh. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The attempt's directory on the host: one per run, job and attempt, safe characters only. */
export function remoteDir(runId: string, job: string, attempt: number): string {
  return `/tmp/ordo-ssh.${`${runId}.${job}.${attempt}`.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/**
 * The job's limits as the login shell's ulimits (docs/limits.md, the "without cgroups" column): no cgroup can
 * be made over SSH without privileges on the host. Returns the commands and how each limit was applied.
 */
export function ulimits(job: JobDef): { lines: string[]; applied: Record<string, string> } {
  const l = job.limits;
  const lines: string[] = [];
  const applied: Record<string, string> = {};
  if (l?.memoryBytes !== undefined) {
    lines.push(`ulimit -v ${Math.ceil(l.memoryBytes / 1024)}`);
    applied.memory = `${formatBytes(l.memoryBytes)} (ulimit -v over SSH: address space per process)`;
  }
  if (l?.nofile !== undefined) {
    lines.push(`ulimit -n ${l.nofile}`);
    applied.nofile = `${l.nofile} (ulimit -n over SSH)`;
  }
  if (l?.processes !== undefined) {
    lines.push(`ulimit -u ${l.processes}`);
    applied.processes = `${l.processes} (ulimit -u over SSH: all the user's processes)`;
  }
  if (l?.cpu !== undefined) applied.cpu = `${l.cpu} (not applied over SSH)`;
  return { lines: lines.map((c) => `${c} || { echo ${shQuote(`ordo: cannot set ${c}`)} >&2; exit 125; }`), applied };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The job itself: creates its directory, writes ORDO_INPUT from stdin (the channel's stdin carries the input
 * document, then EOF), records its group, goes to its cwd, sets its environment and becomes the command,
 * whose stdin is /dev/null as for local jobs. One channel, so one shell started by sshd.
 */
export function jobScript(job: JobDef, dir: string, env: Record<string, string>): string | { error: string } {
  const cmd = job.command;
  const argv = !cmd ? [] : cmd.kind === 'argv' ? cmd.argv : [...cmd.shell, cmd.script];
  if (argv.length === 0 || argv[0] === '') return { error: `job "${job.name}" has an empty command` };
  const all: Record<string, string> = { ...env, ...job.env, ORDO_INPUT: `${dir}/input.json`, ORDO_RESULT: `${dir}/result.json` };
  const bad = Object.keys(all).find((k) => !ENV_NAME.test(k));
  if (bad !== undefined) return { error: `environment variable name ${JSON.stringify(bad)} cannot be passed over SSH` };
  const exports = Object.entries(all).map(([k, v]) => `${k}=${shQuote(v)}`).join(' ');
  const cwd = job.cwd ?? '.';
  return [
    `mkdir -m 700 -p ${shQuote(dir)} && cat > ${shQuote(`${dir}/input.json`)} && echo $$ > ${shQuote(`${dir}/pid`)} || exit 125`,
    `cd ${shQuote(cwd)} 2>/dev/null || { echo ${shQuote(`ordo: working directory ${cwd} does not exist on the host`)} >&2; exit 126; }`,
    ...ulimits(job).lines,
    `export ${exports}`,
    `exec ${argv.map(shQuote).join(' ')} < /dev/null`,
  ].join('\n');
}

/** Signals the job's process group (if its pid file is there and the group alive). */
export const signalScript = (dir: string, signal: 'TERM' | 'KILL'): string =>
  `p=$(cat ${shQuote(`${dir}/pid`)} 2>/dev/null) && [ -n "$p" ] && kill -${signal} -- "-$p" 2>/dev/null`;

/** After the end: prints ORDO_RESULT (if any) and removes the directory. */
export const finishScript = (dir: string): string =>
  `cat ${shQuote(`${dir}/result.json`)} 2>/dev/null; rm -rf ${shQuote(dir)}`;

/** After a server restart: kills what is left of the group, then removes the directory. */
export const reapScript = (dir: string): string =>
  `[ -d ${shQuote(dir)} ] || exit 3; ${signalScript(dir, 'KILL')}; rm -rf ${shQuote(dir)}`;
