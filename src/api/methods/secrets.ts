/** Handlers of the secret methods: what `ordo secret set|list|rm` do, with this server's master key. */
import { OrdoError } from '../../errors.js';
import { listSecrets, removeSecret, setSecret } from '../../secrets/vault.js';
import { handler, type ApiServices } from '../context.js';

export function secretHandlers(s: ApiServices) {
  const key = () => {
    if (!s.masterKey) throw new OrdoError('ORDO_MASTER_KEY', 'this server has no master key, so it cannot store secrets: start it with ORDO_MASTER_KEY_FILE set (ordo secret keygen FILE makes one)');
    return s.masterKey;
  };
  return {
    'secrets.list': handler(async () => listSecrets(s.store.sql)),
    'secrets.set': handler(async (p: { name: string; value: string }, call) => {
      const { replaced } = await setSecret(s.store.sql, key(), p.name, p.value, call.principal.name, s.now());
      return { name: p.name, replaced };
    }),
    'secrets.delete': handler(async (p: { name: string }, call) => {
      await removeSecret(s.store.sql, p.name, call.principal.name, s.now());
      return { name: p.name, deleted: true as const };
    }),
  };
}
