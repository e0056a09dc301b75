/** Handlers of gates, connectors, resources, settings and the pigeon hole. */
import { suggest } from '../../suggest.js';
import { connectorResource, lockResource } from '../../engine/resources.js';
import { OrdoError } from '../../errors.js';
import { handler, type ApiServices } from '../context.js';
import { requireRun } from './runs.js';

export function resourceHandlers(s: ApiServices) {
  const settings = () => s.project.current.settings;
  const toggle = (kind: 'gate' | 'connector', closed: boolean) => handler(async (p: { name: string; reason?: string }, call) => {
    const declared = kind === 'gate' ? settings().gates : settings().connectors;
    if (!declared.has(p.name)) {
      const known = [...declared.keys()].sort().join(', ') || 'none';
      throw new OrdoError('ORDO_NOT_FOUND', `${kind} "${p.name}" is not declared in ordo.yaml${suggest(p.name, declared.keys())} (${kind}s: ${known})`);
    }
    const resource = kind === 'gate' ? lockResource(p.name) : connectorResource(p.name);
    await s.store.setResourceClosed(resource, closed, p.reason ?? null, call.principal.name, s.now());
    return { name: p.name, closed };
  });
  return {
    'gates.open': toggle('gate', false),
    'gates.close': toggle('gate', true),
    'connectors.block': toggle('connector', true),
    'connectors.unblock': toggle('connector', false),

    'resources.list': handler(async () => {
      const view = await s.store.resourceView();
      const { gates, connectors, hosts } = settings();
      // Declared gates and connectors are listed even before anything used them.
      const names = new Set([...view.states.keys(), ...view.holds.map((h) => h.resource), ...[...gates.keys()].map(lockResource), ...[...connectors.keys()].map(connectorResource)]);
      return [...names].sort().map((name) => {
        const st = view.states.get(name);
        const [prefix, short = ''] = name.split(/:(.*)/s) as [string, string?];
        const kind = prefix === 'connector' ? 'connector' : prefix === 'host' ? 'host' : gates.has(short) ? 'gate' : 'lock';
        const limit = kind === 'connector' ? connectors.get(short)?.maxParallel : kind === 'host' ? hosts.get(short)?.slots : undefined;
        return {
          name, closed: st?.closed ?? (kind === 'gate' ? !gates.get(short)!.initiallyOpen : false), reason: st?.reason ?? null,
          holders: view.holds.filter((h) => h.resource === name).map((h) => ({ runId: h.runId, job: h.job, mode: h.mode })),
          kind, limit: limit ?? null,
        };
      });
    }),

    'settings.set': handler(async (p: { name: 'max-parallel'; value: number }) => {
      await s.store.setSetting('maxParallel', String(p.value), s.now());
      s.engine?.setMaxParallel(p.value);
      return { name: p.name, value: p.value };
    }),

    'kv.get': handler(async (p: { run: number; key: string }) => {
      const value = await s.store.kvGet(p.run, p.key);
      if (value === undefined) throw new OrdoError('ORDO_NOT_FOUND', `run ${p.run} has no key "${p.key}"`);
      return { key: p.key, value };
    }),
    'kv.set': handler(async (p: { run: number; key: string; value: string }) => {
      await requireRun(s, p.run);
      await s.store.kvSet(p.run, p.key, p.value, s.now());
      return { key: p.key };
    }),
    'kv.list': handler(async (p: { run: number }) => {
      await requireRun(s, p.run);
      return s.store.kvList(p.run);
    }),
  };
}
