/**
 * The CLI against a remote server: `--server URL --token T` (or ORDO_SERVER / ORDO_TOKEN). A JSON-RPC
 * client over HTTP POST /rpc, and the remote versions of the commands that make sense away from the store
 * (remote-commands.ts). `installRemote` adds the two options to those commands; when a server is named,
 * a preAction hook swaps the command's action for its remote version before commander runs it.
 */
import type { Command } from 'commander';
import { fromRpcError } from '../api/rpc/errors.js';
import type { RpcResponse } from '../api/rpc/protocol.js';
import { OrdoError } from '../errors.js';
import { action } from './context.js';
import { REMOTE_COMMANDS } from './remote-commands.js';

export class RemoteClient {
  private nextId = 1;
  readonly url: string;

  constructor(server: string, private readonly token?: string) {
    const base = /^https?:\/\//.test(server) ? server : `http://${server}`;
    this.url = `${base.replace(/\/+$/, '')}/rpc`;
  }

  async call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params: clean }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new OrdoError('ORDO_UNAVAILABLE', `cannot reach the server at ${this.url}: ${cause ?? (err as Error).message}`);
    }
    const text = await res.text();
    let body: RpcResponse;
    try {
      body = JSON.parse(text) as RpcResponse;
    } catch {
      throw new OrdoError('ORDO_UNAVAILABLE', `the server at ${this.url} answered HTTP ${res.status} without JSON-RPC: ${text.slice(0, 200)}`);
    }
    if ('error' in body) throw fromRpcError(body.error);
    if (body.id !== id) throw new OrdoError('ORDO_UNAVAILABLE', `the server answered request ${String(body.id)} instead of ${id}`);
    return body.result as T;
  }
}

/** The server and token a command names, from its options or the environment; undefined: run locally. */
export function remoteTarget(opts: { server?: string; token?: string }, env = process.env): RemoteClient | undefined {
  const server = opts.server ?? (env.ORDO_SERVER || undefined);
  if (!server) {
    if (opts.token) throw new OrdoError('ORDO_BAD_ARGUMENT', '--token needs --server (or ORDO_SERVER)');
    return undefined;
  }
  return new RemoteClient(server, opts.token ?? (env.ORDO_TOKEN || undefined));
}

function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function find(program: Command, path: string): Command | undefined {
  let cmd: Command | undefined = program;
  for (const name of path.split(' ')) cmd = cmd?.commands.find((c) => c.name() === name);
  return cmd;
}

/** Call after every command is registered. */
export function installRemote(program: Command): void {
  for (const path of Object.keys(REMOTE_COMMANDS)) {
    find(program, path)
      ?.option('--server <url>', 'run this against the server at URL (ORDO_SERVER)')
      .option('--token <token>', 'API token for --server (ORDO_TOKEN)');
  }
  program.hook('preAction', (_root, cmd) => {
    const remote = REMOTE_COMMANDS[pathOf(cmd)];
    if (!remote) return;
    let client: RemoteClient | undefined;
    try {
      client = remoteTarget(cmd.opts<{ server?: string; token?: string }>());
    } catch (err) {
      cmd.action(action(async () => Promise.reject(err)));
      return;
    }
    if (!client) return;
    const remoteClient = client;
    // Commander reads the action after the hook: from here on the command runs against the server.
    cmd.action(action(async (...all: unknown[]) => {
      const opts = all[all.length - 2] as Record<string, unknown>;
      return remote(remoteClient, all.slice(0, -2) as Array<string | undefined>, opts);
    }));
  });
}
