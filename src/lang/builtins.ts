import type { EventOp, LockOp } from './ast.js';
import type { CalleeSpec, ParamSpec } from './program.js';

/**
 * Built-in statements take their arguments as settings maps; their interfaces are declared here like an
 * action's, so the same checks (unknown and missing settings, types) apply to them.
 */
const p = (type: string, schema: ParamSpec['schema'], optional = false): ParamSpec => ({ type, schema, optional });
const DURATION = p('duration', { type: ['number', 'string'] });
const ANY = p('any', {});

export const BUILTINS: Record<EventOp | LockOp | 'sleep', CalleeSpec> = {
  sleep: { kind: 'action', in: { timeout: DURATION }, out: {} },
  lock: { kind: 'action', in: { value: ANY }, out: {} },
  unlock: { kind: 'action', in: { value: ANY }, out: {} },
  wait_for_lock: { kind: 'action', in: { value: ANY, wait: p('wait', { type: ['number', 'string'] }, true) }, out: {} },
  subscribe: { kind: 'action', in: { name: p('string', { type: 'string' }), mask: p('object', { type: 'object' }) }, out: {} },
  unsubscribe: { kind: 'action', in: { name: p('string', { type: 'string' }) }, out: {} },
  raise_event: { kind: 'action', in: { event: p('object', { type: 'object' }) }, out: {} },
  wait_for_event: {
    kind: 'action',
    in: { events: p('array', { type: 'array' }), timeout: { ...DURATION, optional: true } },
    out: { event: p('object', { type: 'object' }) },
  },
};
