/** Handlers of hosts (operators) and of the agents' calls; the work is the AgentHub's (src/server/agents.ts) and SshHosts' (ssh-hosts.ts). */
import { OrdoError } from '../../errors.js';
import type { AgentInventoryItem, AgentHub } from '../../server/agents.js';
import { handler, type ApiServices, type CallContext } from '../context.js';

export function hostHandlers(s: ApiServices) {
  const hub = (): AgentHub => {
    if (!s.agents) throw new OrdoError('ORDO_BAD_STATE', 'this server runs no engine, so no agents');
    return s.agents;
  };
  const session = (call: CallContext) => {
    if (!call.session) throw new OrdoError('ORDO_BAD_STATE', 'agents talk over the WebSocket (/ws)');
    return call.session;
  };
  const list = () => [...(s.agents?.list() ?? []), ...(s.sshHosts?.list() ?? [])];
  const toggle = (verb: 'drain' | 'resume') => handler(async (p: { name: string }, call) => {
    if (s.sshHosts?.has(p.name)) await s.sshHosts[verb](p.name, call.principal.name);
    else await hub()[verb](p.name, call.principal.name);
    return { name: p.name, state: list().find((h) => h.name === p.name)?.state ?? 'down' };
  });
  return {
    'hosts.list': handler(async () => list()),
    'hosts.drain': toggle('drain'),
    'hosts.resume': toggle('resume'),
    'agent.hello': handler(async (p: { name: string; labels?: Record<string, string>; version?: string; attempts: AgentInventoryItem[] }, call) =>
      hub().hello(session(call), p)),
    'agent.inventory': handler(async (p: { attempts: AgentInventoryItem[] }, call) => {
      const host = hub().hostOf(session(call).id);
      if (!host) throw new OrdoError('ORDO_BAD_STATE', 'say agent.hello first');
      hub().inventory(host, p.attempts);
      return { ok: true };
    }),
    'agent.done': handler(async (p: { key: string; token: number; fence?: number; outcome: Record<string, unknown> }, call) => hub().done(session(call), p)),
    'agent.renew': handler(async (p: { leases: Array<{ key: string; fence: number }> }, call) => hub().renew(session(call), p)),
    'agent.output': handler(async (p: { key: string; stream: 'stdout' | 'stderr'; data: string }, call) => {
      hub().output(session(call), p);
      return { ok: true };
    }),
  };
}
