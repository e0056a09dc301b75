/**
 * One command attempt on an agentless host, over its own SSH connection (ssh2): ORDO_INPUT goes first on
 * the job's channel, then the job runs as the login shell's process group (remote-command.ts), its stdout and stderr are
 * appended live to the attempt's files under the server's state directory (the same files local and
 * agent attempts fill, so `ordo logs --follow` works alike), and its exit status or signal is the
 * outcome. A timeout or an abort signals the remote group over another channel (TERM, KILL after the
 * job's killGrace); ORDO_RESULT is read back and the remote directory removed at the end.
 *
 * An attempt has no supervisor on the host: after a server restart it cannot be watched again, so
 * `reattach` kills what is left of its group and reports it `lost` (retried by the job's policy).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type ssh2 from 'ssh2';
import type { AttemptOutcome, AttemptRequest, AttemptStatus } from '../../engine/ports.js';
import { outputFile, runLogFile, type OutputStream } from '../paths.js';
import { formatRecord, type RecordKind } from '../run-log.js';
import { maskText, maskValue, StreamMasker } from '../../secrets/mask.js';
import { connectSsh, execShort, type RevealSecrets, type SshHost } from './connect.js';
import { finishScript, jobScript, reapScript, remoteDir, signalScript, ulimits } from './remote-command.js';

export class SshAttempt {
  readonly done: Promise<AttemptOutcome>;
  private resolveDone!: (o: AttemptOutcome) => void;
  private readonly dir: string;
  private client: ssh2.Client | undefined;
  private running = false;
  private stopping: 'timeout' | 'aborted' | undefined;
  private ended = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly written: Record<OutputStream, number> = { stdout: 0, stderr: 0 };
  /** Secret values the job was given are hidden in its output, even when split across chunks (docs/secrets.md). */
  private readonly maskers: Record<OutputStream, StreamMasker>;

  constructor(private readonly req: AttemptRequest, private readonly host: SshHost, private readonly stateDir: string,
    private readonly startedAt: number, mode: 'start' | 'reattach', private readonly reveal?: RevealSecrets) {
    this.done = new Promise((r) => (this.resolveDone = r));
    this.dir = remoteDir(req.runId, req.job.name, req.attempt);
    this.maskers = { stdout: new StreamMasker(req.mask ?? []), stderr: new StreamMasker(req.mask ?? []) };
    void (mode === 'start' ? this.run() : this.reap()).catch((err: Error) => this.report('failed', null, null, err.message));
  }

  private async run(): Promise<void> {
    const { req } = this;
    const script = jobScript(req.job, this.dir, req.env);
    if (typeof script !== 'string') return this.report('failed', null, null, script.error);
    this.armTimeout();
    this.client = await this.connect();
    if (!this.client) return;
    this.client.on('close', () => this.report('lost', null, null, `lost: the SSH connection to ${this.host.address} closed while the job ran`));
    if (this.stopping) return this.report(this.stopping, null, null, `${this.stopping} before the job started on host ${this.host.name}`);
    this.client.exec(script, (err, stream) => {
      if (err) return this.report('failed', null, null, `cannot start the job on host ${this.host.name}: ${err.message}`);
      this.running = true;
      this.note('START', `host=${this.host.name} argv=${JSON.stringify(req.job.command?.kind === 'argv' ? req.job.command.argv : req.job.command?.script)}`);
      let exit: { code: number | null; signal: string | null } = { code: null, signal: null };
      stream.on('data', (d: Buffer) => this.capture('stdout', this.maskers.stdout.push(d)));
      stream.stderr.on('data', (d: Buffer) => this.capture('stderr', this.maskers.stderr.push(d)));
      stream.on('exit', (code: number | null, signal?: string) => (exit = { code: code ?? null, signal: signal ? (signal.startsWith('SIG') ? signal : `SIG${signal}`) : null }));
      stream.on('close', () => void this.finish(exit));
      stream.end(JSON.stringify(req.input));
      // Stopped while it was being sent: its pid file is written first thing, so give it a moment.
      if (this.stopping) this.after(200, () => this.signalStop());
    });
  }

  private async connect(): Promise<ssh2.Client | undefined> {
    try {
      return await connectSsh(this.host, { reveal: this.reveal });
    } catch (err) {
      this.report('failed', null, null, (err as Error).message);
      return undefined;
    }
  }

  private async finish(exit: { code: number | null; signal: string | null }): Promise<void> {
    if (this.ended) return;
    this.clearTimers();
    this.capture('stdout', this.maskers.stdout.end());
    this.capture('stderr', this.maskers.stderr.end());
    let result: Record<string, unknown> | undefined;
    let error: string | undefined;
    const client = this.client!;
    client.removeAllListeners('close');
    try {
      // A stopped group: whatever outlived its leader goes now, then the directory with the result.
      if (this.stopping) await execShort(client, signalScript(this.dir, 'KILL'));
      const text = (await execShort(client, finishScript(this.dir))).stdout.trim();
      if (text !== '') {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) result = parsed as Record<string, unknown>;
        else error = 'ORDO_RESULT must hold a JSON object';
      }
    } catch (err) {
      error = `cannot read ORDO_RESULT from host ${this.host.name}: ${(err as Error).message}`;
    }
    const status: AttemptStatus = this.stopping
      ?? (exit.code !== null && this.req.job.successCodes.includes(exit.code) && error === undefined ? 'succeeded' : 'failed');
    this.report(status, exit.code, exit.signal, error, result);
  }

  /** After a server restart: nothing watches the job any more, so what is left of it is killed. */
  private async reap(): Promise<void> {
    try {
      this.client = await connectSsh(this.host, { reveal: this.reveal });
    } catch (err) {
      return this.report('lost', null, null, `lost: the server that ran it over SSH stopped, and what is left of it cannot be killed: ${(err as Error).message}`);
    }
    const r = await execShort(this.client, reapScript(this.dir));
    const what = r.code === 3 ? 'it had already ended' : 'what was left of its process group on the host was killed';
    this.report('lost', null, null, `lost: the server that ran it over SSH stopped; ${what}`);
  }

  private capture(stream: OutputStream, data: Buffer): void {
    const room = this.req.logMaxBytes - this.written[stream];
    if (room <= 0 || data.length === 0) return;
    const chunk = data.length > room ? data.subarray(0, room) : data;
    this.written[stream] += chunk.length;
    const path = outputFile(this.stateDir, this.req.runId, this.req.job.name, this.req.attempt, stream);
    try {
      if (this.written[stream] === chunk.length) mkdirSync(dirname(path), { recursive: true });
      appendFileSync(path, chunk);
    } catch {
      // Lost output never fails the job.
    }
  }

  private armTimeout(): void {
    const ms = this.req.job.timeoutMs;
    if (ms !== undefined) this.after(this.startedAt + ms - Date.now(), () => this.stop('timeout', `after ${ms}ms`));
  }

  /** Timeout or abort: TERM to the remote group, KILL after the job's grace period. */
  stop(kind: 'timeout' | 'aborted', reason: string): void {
    if (this.ended || this.stopping) return;
    this.stopping = kind;
    this.note(kind === 'timeout' ? 'TIMEOUT' : 'ABORT', reason);
    if (this.running) this.signalStop(); // else once it starts, or never
  }

  private signalStop(): void {
    this.signal('TERM');
    this.after(this.req.job.killGraceMs, () => {
      this.note('KILL', `SIGKILL to the process group on host ${this.host.name} after ${this.req.job.killGraceMs}ms`);
      this.signal('KILL');
    });
  }

  /** This engine lost the run: stop watching; with `kill`, kill the remote group first. */
  abandon(kill: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimers();
    const client = this.client;
    client?.removeAllListeners('close');
    if (kill && client && this.running) void execShort(client, signalScript(this.dir, 'KILL')).finally(() => client.end()).catch(() => {});
    else client?.end();
  }

  private signal(sig: 'TERM' | 'KILL'): void {
    if (this.client && !this.ended) void execShort(this.client, signalScript(this.dir, sig)).catch(() => {});
  }

  private report(status: AttemptStatus, exitCode: number | null, signal: string | null, error?: string, result?: Record<string, unknown>): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimers();
    this.client?.removeAllListeners('close');
    this.client?.end();
    const endedAt = Date.now();
    const mask = this.req.mask ?? [];
    if (error !== undefined) error = maskText(error, mask);
    if (result !== undefined) result = maskValue(result, mask);
    if (error !== undefined) this.note('ERROR', error);
    this.note('FINISH', `duration=${endedAt - this.startedAt}ms status=${status} exit=${exitCode ?? '-'} signal=${signal ?? '-'}`);
    const { applied } = ulimits(this.req.job);
    this.resolveDone({
      status, exitCode, signal, startedAt: this.startedAt, endedAt, ...(Object.keys(applied).length > 0 && { limits: applied }),
      ...(error !== undefined && { error }), ...(result !== undefined && { result }),
    });
  }

  private note(kind: RecordKind, detail: string): void {
    const file = runLogFile(this.stateDir, this.req.runId);
    try {
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, formatRecord(kind, Date.now(), this.req.job.name, this.req.attempt, maskText(detail, this.req.mask ?? [])));
    } catch {
      // The record is for people: a line that cannot be written is lost, nothing else fails.
    }
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
