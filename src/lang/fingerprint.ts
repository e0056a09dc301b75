import { createHash } from 'node:crypto';
import { canonicalJson } from './json.js';
import type { ActionDef, CompiledWorkflow } from './program.js';

/**
 * sha256 of the canonical JSON of a compiled workflow or action, without source positions (`at`, `file`):
 * editing a comment or moving a file does not make a new version; changing what runs does.
 */
export function fingerprint(compiled: CompiledWorkflow | ActionDef): string {
  const withoutPositions = 'steps' in compiled
    ? { ...compiled, file: undefined, steps: compiled.steps.map((s) => ({ ...s, at: undefined })) }
    : { ...compiled, file: undefined };
  return createHash('sha256').update(canonicalJson(withoutPositions)).digest('hex');
}
