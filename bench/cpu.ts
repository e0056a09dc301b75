/**
 * CPU time spent by this process and by the PostgreSQL processes it started, for figures that hold on a
 * loaded machine: throughput moves with other processes' load, the CPU time an action costs much less.
 * PostgreSQL's share is the embedded server's (a descendant of this process): its postmaster's own and
 * reaped children's time plus that of its live backends, from /proc (Linux; 0 elsewhere).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 10_000; // USER_HZ is 100 on Linux

interface ProcStat { pid: number; ppid: number; comm: string; us: number }

function stat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const f = text.slice(close + 2).split(' ');
    // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { pid: Number(pid), ppid: Number(f[1]), comm: text.slice(text.indexOf('(') + 1, close), us: ticks * TICK_US };
  } catch {
    return undefined;
  }
}

/** CPU microseconds of the postgres processes descended from this process. */
function postgresUs(): number {
  let all: ProcStat[];
  try {
    all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(stat).filter((s): s is ProcStat => s !== undefined);
  } catch {
    return 0;
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  let us = 0;
  const walk = (pid: number, inPostgres: boolean): void => {
    for (const c of children.get(pid) ?? []) {
      const pg = inPostgres || c.comm === 'postgres';
      // A postmaster's cutime already holds its reaped backends; live backends are counted on their own.
      if (pg) us += c.us;
      walk(c.pid, pg);
    }
  };
  walk(process.pid, false);
  return us;
}

export interface CpuSpent { serverUs: number; postgresUs: number }

/** Starts a measurement; the function returned gives the CPU time spent since. */
export function cpuSince(): () => CpuSpent {
  const node0 = process.cpuUsage();
  const pg0 = postgresUs();
  return () => {
    const d = process.cpuUsage(node0);
    return { serverUs: d.user + d.system, postgresUs: Math.max(0, postgresUs() - pg0) };
  };
}
