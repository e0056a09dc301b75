/**
 * The agent path's overhead per job (docs/hosts.md): 200 `true` jobs run by the server itself, then the same
 * spread over 4 agents on loopback (in this process, each with its own supervisors), through a real server.
 *   npm run build && node dist/bench/agents.js [--jobs N]
 * Figures only; nothing is asserted. Target: the agent path within 2x of the local one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { Agent } from '../src/agent/agent.js';
import { startOrdoServer } from '../src/api/serve.js';
import { loadProject } from '../src/defs/load.js';
import { flowFingerprint } from '../src/defs/version.js';
import { tempDir } from '../test/support/tmp.js';

const args = process.argv.slice(2);
const JOBS = args.includes('--jobs') ? Number(args[args.indexOf('--jobs') + 1]) : 200;
const AGENTS = 4;

function flow(name: string, host: (i: number) => string | undefined): string {
  const lines = [`flow: ${name}`, 'jobs:'];
  for (let i = 0; i < JOBS; i++) {
    const h = host(i);
    lines.push(`  j${i}: { command: ["true"]${h ? `, host: ${h}` : ''} }`);
  }
  return `${lines.join('\n')}\n`;
}

const dir = tempDir('ordo-bench-agents-');
try {
  const hosts = Array.from({ length: AGENTS }, (_, i) => `a${i}`);
  writeFileSync(join(dir.path, 'ordo.yaml'), `maxParallel: 16\nhosts:\n${hosts.map((h) => `  ${h}: { slots: 4 }`).join('\n')}\n`);
  writeFileSync(join(dir.path, 'local.yaml'), flow('local', () => undefined));
  writeFileSync(join(dir.path, 'remote.yaml'), flow('remote', (i) => hosts[i % AGENTS]));
  const { project, diagnostics } = await loadProject(dir.path);
  if (!project) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  const env: NodeJS.ProcessEnv = { ...process.env, ORDO_HOME: join(dir.path, 'state') };
  delete env.DATABASE_URL;
  const server = await startOrdoServer({
    project, logger: pino({ level: 'silent' }), version: 'bench', host: '127.0.0.1', port: 0, env, anonymousRole: 'superuser', triggers: false,
  });
  const agents = hosts.map((name) => new Agent({
    url: server.url!, name, stateDir: join(dir.path, `agent-${name}`), projectDir: dir.path,
  }));
  await Promise.all(agents.map((a) => a.start(10_000)));
  const time = async (name: string) => {
    const def = project.flows.get(name)!;
    const run = await server.rt.engine.createRun(def, flowFingerprint(def), {});
    const t0 = performance.now();
    const summary = await server.rt.engine.drive(run.id);
    const ms = performance.now() - t0;
    if (summary.run.state !== 'succeeded') throw new Error(`${name}: ${summary.run.state}`);
    return ms;
  };
  await time('local'); // warm-up: the first spawns and the store's caches
  const local = await time('local');
  const remote = await time('remote');
  const result = {
    jobs: JOBS, agents: AGENTS, localMs: Math.round(local), agentMs: Math.round(remote),
    localJobsPerSec: Math.round(JOBS / (local / 1000)), agentJobsPerSec: Math.round(JOBS / (remote / 1000)),
    ratio: Math.round((remote / local) * 100) / 100, overheadMsPerJob: Math.round(((remote - local) / JOBS) * 100) / 100,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await Promise.all(agents.map((a) => a.stop()));
  await server.close();
} finally {
  dir.cleanup();
}
