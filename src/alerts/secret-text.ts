/** Expands the `${{ secrets.NAME }}` references of a handler's strings (the only ones a handler may hold). */
import { expandTemplate, parseTemplate } from '../defs/expr.js';
import { secretsOfTexts } from '../secrets/refs.js';

export type SecretReader = (names: string[]) => Promise<Map<string, string>>;

export class HandlerError extends Error {}

/** `texts` expanded, in order; a handler naming secrets without a master key, or an unset one, fails clearly. */
export async function expandSecrets(texts: string[], reveal: SecretReader | undefined, where: string): Promise<string[]> {
  const names = secretsOfTexts(texts);
  if (names.length === 0) return texts;
  if (!reveal) throw new HandlerError(`the handler at ${where} uses secrets (${names.join(', ')}), but this server has no master key (set ORDO_MASTER_KEY_FILE)`);
  let values: Map<string, string>;
  try {
    values = await reveal(names);
  } catch (err) {
    throw new HandlerError(`the handler at ${where}: ${(err as Error).message}`);
  }
  return texts.map((t) => (t.includes('${{') ? expandTemplate(parseTemplate(t).parts, (ref) => (ref.kind === 'secret' ? values.get(ref.name) ?? '' : '')) : t));
}
