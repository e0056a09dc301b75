/** The servers sharing the store, and which one leads (docs/servers.md). */
import { arr, bool, entity, int, millis, nullable, obj, oneOf, str } from './schema.js';
import type { MethodSpec } from './types.js';

const SERVER = entity('server', {
  id: str({ description: 'host/pid/nonce: the owner its runs carry' }), host: str(), pid: int(), version: str(),
  apiUrl: nullable(str({ description: 'where its API listens' })), startedAt: millis(), heartbeatAt: millis(),
  stoppedAt: nullable(millis()),
  state: oneOf(['up', 'silent', 'stopped'], { description: 'silent: no heartbeat for longer than the leader lease (dead, frozen or cut off)' }),
  leader: bool({ description: 'it holds the scheduler lease now' }), runs: int({ description: 'open runs it owns' }),
});

const LEASE = obj({
  server: str({ description: 'the server that holds, or last held, the scheduler lease' }), fence: int({ description: 'raised at every grant' }),
  since: millis({ description: 'granted then: it leads since' }), expiresAt: millis(),
  releasedAt: nullable(millis({ description: 'when its holder let it go (it stopped)' })),
  held: bool({ description: 'false: released or run out; the next server to look takes it' }),
}, ['server', 'fence', 'since', 'expiresAt', 'releasedAt', 'held']);

export const serversMethods = {
  'servers.list': {
    summary: 'the servers sharing the store: host, pid, start, last heartbeat, open runs owned, and the scheduler lease (who leads, since when, until when)',
    permission: 'read',
    params: obj({ all: bool({ description: 'also stopped servers and those silent for over an hour (kept 7 days)' }) }),
    result: obj({ now: millis(), lease: nullable(LEASE), servers: arr(SERVER) }, ['now', 'lease', 'servers']),
    rest: { verb: 'GET', path: '/api/servers' },
  },
} satisfies Record<string, MethodSpec>;
