/**
 * `ordo history FLOW JOB` (a job's attempts across runs, with CPU time and peak memory) and the event log
 * across runs (`ordo events --all [--since 1h] [--follow]`); docs/history.md. The printing is shared with
 * the remote versions (remote-commands.ts), which get the same documents from the API.
 */
import type { EventRow } from '../../engine/store.js';
import { parseDuration } from '../../defs/spec.js';
import { OrdoError } from '../../errors.js';
import type { HistoryEntry, HistoryStats } from '../../store/history.js';
import { duration, table, time } from '../format.js';

const out = (text: string) => process.stdout.write(text);

function kib(kb: number | null | undefined): string {
  if (kb === null || kb === undefined) return '-';
  return kb >= 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(1)}G` : kb >= 1024 ? `${(kb / 1024).toFixed(1)}M` : `${kb}K`;
}

export function printHistory(doc: { entries: HistoryEntry[]; stats: HistoryStats }, json: boolean): void {
  if (json) return void out(`${JSON.stringify(doc)}\n`);
  out(table(['RUN', 'DATE', 'ATTEMPT', 'STATE', 'START', 'DURATION', 'EXIT', 'CPU', 'PEAK RSS'], doc.entries.map((e) => [
    String(e.runId), e.businessDate ?? '-', String(e.attempt), e.state, time(e.startedAt), duration(e.durationMs),
    e.exitCode !== null ? String(e.exitCode) : e.signal ?? '-',
    e.usage ? duration(e.usage.cpuUserMs + e.usage.cpuSystemMs) : '-', kib(e.usage?.maxRssKb),
  ])));
  const s = doc.stats;
  const rate = s.successRate === null ? '-' : `${(s.successRate * 100).toFixed(1)}%`;
  const d = s.durationMs ? `duration p50 ${duration(s.durationMs.p50)}, p90 ${duration(s.durationMs.p90)}, max ${duration(s.durationMs.max)}` : 'no ended attempt';
  out(`${s.attempts} attempt(s): ${s.succeeded} succeeded, ${s.failed} not (success ${rate}); ${d}; mean CPU ${duration(s.meanCpuMs)}, peak RSS ${kib(s.maxRssKb)}\n`);
}

export function printEvent(e: EventRow, json: boolean, withRun = false): void {
  const data = e.data && Object.keys(e.data).length ? e.data : undefined;
  const run = withRun ? `${e.runId === null ? '-' : String(e.runId)}`.padEnd(6) : '';
  out(json ? `${JSON.stringify(e)}\n` : `${time(e.at)}  ${run}${e.kind.padEnd(20)} ${e.job ?? ''}${data ? `  ${JSON.stringify(data)}` : ''}\n`);
}

/** `--since`: a duration back from now (`90m`, `1h`, `2d`) or an ISO date or instant. */
export function parseSince(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const back = parseDuration(text);
  if (back !== undefined && !/^\d+(\.\d+)?$/.test(text.trim())) return now - back;
  const at = Date.parse(text);
  if (Number.isFinite(at) && /^\d{4}-\d{2}-\d{2}/.test(text)) return at;
  throw new OrdoError('ORDO_BAD_ARGUMENT', `--since must be a duration back from now (90m, 1h, 2d) or an ISO date or instant, got "${text}"`);
}

/**
 * Prints the events `read` returns after `after`, then with `follow` keeps asking every `pollMs` until
 * SIGINT/SIGTERM. `read(after)` gives the events after an id, oldest first.
 */
export async function followEvents(read: (after: number) => Promise<EventRow[]>, first: EventRow[], json: boolean, follow: boolean, pollMs = 500): Promise<void> {
  let last = 0;
  for (const e of first) {
    printEvent(e, json, true);
    last = e.id;
  }
  if (!follow) return;
  let stop = false;
  const end = () => { stop = true; };
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  try {
    while (!stop) {
      await new Promise((r) => setTimeout(r, pollMs));
      for (const e of await read(last)) {
        printEvent(e, json, true);
        last = e.id;
      }
    }
  } finally {
    process.off('SIGINT', end);
    process.off('SIGTERM', end);
  }
}
