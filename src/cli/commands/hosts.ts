/**
 * `ordo agent` (run the jobs placed on this host: docs/hosts.md) and the operator's view of hosts
 * (`ordo hosts`, `ordo host drain|resume NAME`), which ask the server: only it knows its agents.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { Agent } from '../../agent/agent.js';
import { OrdoError } from '../../errors.js';
import { repoPath } from '../../paths.js';
import type { HostStatus } from '../../server/agents.js';
import { action } from '../context.js';
import { table, time } from '../format.js';
import { remoteTarget, type RemoteClient } from '../remote.js';
import { parseLabels } from './server.js';

interface AgentOptions { server?: string; token?: string; name?: string; labels?: string; state?: string; dir?: string }
interface RemoteOptions { server?: string; token?: string; json?: boolean }

function serverOf(opts: RemoteOptions): RemoteClient {
  const client = remoteTarget(opts);
  if (!client) throw new OrdoError('ORDO_BAD_ARGUMENT', 'hosts are known to the server: give --server URL (or ORDO_SERVER) and --token');
  return client;
}

export function registerHostCommands(program: Command): void {
  program.command('agent')
    .description("run the command jobs the server places on this host; jobs outlive the agent and its connection")
    .option('--server <url>', 'the server (http(s)://host:port; ORDO_SERVER)')
    .option('--token <token>', 'an API token with the operate permission (ORDO_TOKEN)')
    .option('--name <host>', "this host's name in the server's ordo.yaml (ORDO_AGENT_NAME)")
    .option('--labels <k=v,...>', 'what this host is, shown by ordo hosts')
    .option('--state <dir>', "where the agent keeps its attempts' files (default ./.ordo-agent; ORDO_AGENT_STATE)")
    .option('--dir <dir>', "jobs' working directory base (default: the current directory)")
    .action(action(async (opts: AgentOptions) => {
      const url = opts.server ?? process.env.ORDO_SERVER;
      const name = opts.name ?? process.env.ORDO_AGENT_NAME;
      if (!url) throw new OrdoError('ORDO_BAD_ARGUMENT', 'ordo agent needs --server URL (or ORDO_SERVER)');
      if (!name) throw new OrdoError('ORDO_BAD_ARGUMENT', "ordo agent needs --name HOST, the host's name in the server's ordo.yaml");
      const version = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }).version;
      const agent = new Agent({
        url, token: opts.token ?? process.env.ORDO_TOKEN, name, labels: parseLabels(opts.labels), version,
        stateDir: resolve(opts.state ?? process.env.ORDO_AGENT_STATE ?? '.ordo-agent'), projectDir: resolve(opts.dir ?? '.'),
        log: (m) => process.stderr.write(`ordo agent ${name}: ${m}\n`),
        onError: (err) => process.stderr.write(`ordo agent ${name}: ${err.message} (retrying)\n`),
      });
      await agent.start();
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      process.stderr.write(`ordo agent ${name}: stopping; running jobs go on and are reported by the next agent\n`);
      await agent.stop();
    }));

  program.command('hosts')
    .description("the hosts of ordo.yaml (agents' and SSH), as the server sees them")
    .option('--server <url>', 'the server (ORDO_SERVER)')
    .option('--token <token>', 'API token (ORDO_TOKEN)')
    .option('--json', 'print JSON')
    .action(action(async (opts: RemoteOptions) => {
      const hosts = await serverOf(opts).call<HostStatus[]>('hosts.list');
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(hosts)}\n`);
        return;
      }
      // An agent's host says since when its agent is connected; an SSH host, why its last probe failed.
      process.stdout.write(table(['host', 'via', 'state', 'running', 'slots', 'labels', 'agent since / why down'], hosts.map((h) => [
        h.name, h.transport === 'ssh' ? `ssh ${h.address ?? ''}` : 'agent', h.state, String(h.running), String(h.slots),
        Object.entries(h.labels).map(([k, v]) => `${k}=${v}`).join(',') || '-', h.agent ? time(h.agent.connectedAt) : h.reason ?? '-',
      ])));
    }));

  const host = program.command('host').description('drain or resume a host');
  for (const verb of ['drain', 'resume'] as const) {
    host.command(`${verb} <name>`)
      .description(verb === 'drain' ? 'no new job starts on the host; running ones finish' : 'the host takes jobs again')
      .option('--server <url>', 'the server (ORDO_SERVER)')
      .option('--token <token>', 'API token (ORDO_TOKEN)')
      .action(action(async (name: string, opts: RemoteOptions) => {
        const r = await serverOf(opts).call<{ name: string; state: string }>(`hosts.${verb}`, { name });
        process.stdout.write(`host ${r.name} ${r.state}\n`);
      }));
  }
}
