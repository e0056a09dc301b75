/**
 * The method registry: the contract's schemas compiled with ajv, bound to handlers. Every call, whatever
 * the transport (JSON-RPC over HTTP or WebSocket, REST), goes through `invoke`: permission, then params
 * validation, then the handler, then (when asked, as tests do) a check of the result against its schema.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { allows } from '../../auth/roles.js';
import { MAX_DEPTH, shortPointer, tooDeep } from '../../depth.js';
import { OrdoError } from '../../errors.js';
import type { CallContext, Handler } from '../context.js';
import type { MethodSpec } from '../contract/types.js';

interface Entry {
  name: string;
  spec: MethodSpec;
  handler: Handler;
  params: ValidateFunction;
  result: ValidateFunction;
}

export interface RegistryOptions {
  /** Validate every result against its schema (a mismatch is an internal error). */
  checkResults?: boolean;
}

export function newAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
}

function describe(errors: ErrorObject[] | null | undefined): Array<{ path: string; message: string }> {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
    return { path: e.instancePath || '/', message: `${e.message ?? 'is invalid'}${extra}` };
  });
}

export class Registry {
  private readonly entries = new Map<string, Entry>();

  constructor(contract: Record<string, MethodSpec>, handlers: Record<string, Handler>, private readonly opts: RegistryOptions = {}) {
    const ajv = newAjv();
    for (const [name, spec] of Object.entries(contract)) {
      const handler = handlers[name];
      if (!handler) throw new Error(`internal: method ${name} has no handler`);
      this.entries.set(name, { name, spec, handler, params: ajv.compile(spec.params), result: ajv.compile(spec.result) });
    }
  }

  get(name: string): Entry | undefined {
    return this.entries.get(name);
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  async invoke(name: string, params: unknown, call: CallContext): Promise<unknown> {
    const entry = this.entries.get(name);
    if (!entry) throw new OrdoError('ORDO_METHOD_NOT_FOUND', `method "${name}" does not exist`);
    if (call.refusal) throw call.refusal;
    const { permission } = entry.spec;
    if (!allows(call.principal.role, permission)) {
      if (call.principal.role === null) throw new OrdoError('ORDO_UNAUTHENTICATED', `${name} needs an API token (permission ${permission})`);
      throw new OrdoError('ORDO_FORBIDDEN', `the role ${call.principal.role} may not call ${name} (it needs permission ${permission})`,
        { permission, role: call.principal.role });
    }
    const deep = tooDeep(params, MAX_DEPTH);
    if (deep !== undefined) {
      throw new OrdoError('ORDO_INVALID_PARAMS', `invalid params for ${name}: values nest more than ${MAX_DEPTH} levels deep at ${shortPointer(deep)}`,
        { errors: [{ path: shortPointer(deep), message: `nests more than ${MAX_DEPTH} levels deep` }] });
    }
    if (!entry.params(params)) {
      const errors = describe(entry.params.errors);
      throw new OrdoError('ORDO_INVALID_PARAMS', `invalid params for ${name}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { errors });
    }
    const result = await entry.handler(params as Record<string, unknown>, call);
    if (this.opts.checkResults && !entry.result(result ?? null)) {
      throw new Error(`the result of ${name} does not match its schema: ${JSON.stringify(describe(entry.result.errors))}`);
    }
    return result ?? null;
  }
}
