/**
 * JSON-RPC 2.0 over any transport that carries whole messages (an HTTP body, a WebSocket message): one
 * text in, one text out, or nothing for notifications. Exactly as the specification says: a batch is an
 * array processed in order, answered by an array of the responses of its requests (none at all when it
 * held only notifications), an empty array is one Invalid Request; parse errors and invalid requests are
 * answered with id null when no valid id can be read. Errors thrown by a notification are logged, never sent.
 */
import { OrdoError } from '../../errors.js';
import type { CallContext } from '../context.js';
import { toWireError } from './errors.js';
import { failure, idOf, isValidId, success, type RpcId, type RpcResponse } from './protocol.js';
import type { Registry } from './registry.js';

export interface RpcCoreOptions {
  /** Largest message accepted, in bytes (UTF-8). */
  maxMessageBytes: number;
  /** Most requests in one batch. */
  maxBatch?: number;
  /** Told about every call: for logs and metrics. */
  onCall?: (info: CallInfo) => void;
}

export interface CallInfo {
  method: string;
  ms: number;
  /** null when the call succeeded, else the ORDO_* code (ORDO_INTERNAL for an internal error). */
  code: string | null;
  principal: string;
  internal?: { ref: string; error: unknown };
}

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export class RpcCore {
  constructor(private readonly registry: Registry, private readonly opts: RpcCoreOptions) {}

  get maxMessageBytes(): number {
    return this.opts.maxMessageBytes;
  }

  /** Handles one message; resolves to the response text, or undefined when nothing is to be sent. */
  async handle(text: string, call: CallContext): Promise<string | undefined> {
    if (Buffer.byteLength(text, 'utf8') > this.opts.maxMessageBytes) return JSON.stringify(this.tooLarge());
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (err) {
      return JSON.stringify(this.errorResponse(null, new OrdoError('ORDO_PARSE_ERROR', `parse error: ${(err as Error).message}`)));
    }
    const response = await this.handleValue(message, call);
    return response === undefined ? undefined : JSON.stringify(response);
  }

  /** The response to a message too large to read. */
  tooLarge(): RpcResponse {
    return this.errorResponse(null, new OrdoError('ORDO_TOO_LARGE', `message larger than ${this.opts.maxMessageBytes} bytes`,
      { limit: this.opts.maxMessageBytes }));
  }

  async handleValue(message: unknown, call: CallContext): Promise<RpcResponse | RpcResponse[] | undefined> {
    if (!Array.isArray(message)) return this.handleOne(message, call);
    if (message.length === 0) return this.errorResponse(null, new OrdoError('ORDO_INVALID_REQUEST', 'invalid request: an empty batch'));
    const max = this.opts.maxBatch ?? 1000;
    if (message.length > max) {
      return this.errorResponse(null, new OrdoError('ORDO_INVALID_REQUEST', `invalid request: a batch of more than ${max} requests`));
    }
    const out: RpcResponse[] = [];
    for (const item of message) {
      const r = await this.handleOne(item, call);
      if (r) out.push(r);
    }
    return out.length > 0 ? out : undefined;
  }

  private async handleOne(req: unknown, call: CallContext): Promise<RpcResponse | undefined> {
    const problem = invalidRequest(req);
    if (problem) return this.errorResponse(idOf(req), new OrdoError('ORDO_INVALID_REQUEST', `invalid request: ${problem}`));
    const r = req as { method: string; params?: unknown; id?: RpcId };
    const isNotification = !('id' in r);
    const started = performance.now();
    let code: string | null = null;
    let internal: { ref: string; error: unknown } | undefined;
    try {
      const params = r.params === undefined || (Array.isArray(r.params) && r.params.length === 0) ? {} : r.params;
      if (Array.isArray(params)) throw new OrdoError('ORDO_INVALID_PARAMS', 'invalid params: this API takes params by name (an object)');
      if (!this.registry.get(r.method)) throw new OrdoError('ORDO_METHOD_NOT_FOUND', `method not found: ${r.method}`);
      const result = await this.registry.invoke(r.method, params, call);
      return isNotification ? undefined : success(r.id ?? null, result);
    } catch (err) {
      const wire = toWireError(err);
      code = String((wire.rpc.data as { code?: string } | undefined)?.code ?? wire.rpc.code);
      internal = wire.internal;
      return isNotification ? undefined : failure(r.id ?? null, wire.rpc);
    } finally {
      this.opts.onCall?.({ method: r.method, ms: performance.now() - started, code, principal: call.principal.name, internal });
    }
  }

  private errorResponse(id: RpcId, err: OrdoError): RpcResponse {
    return failure(id, toWireError(err).rpc);
  }
}

/** What makes a value not a Request object, or null when it is one. */
function invalidRequest(req: unknown): string | null {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return 'a request must be an object';
  const r = req as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return '"jsonrpc" must be exactly "2.0"';
  if (typeof r.method !== 'string') return '"method" must be a string';
  if ('params' in r && (typeof r.params !== 'object' || r.params === null)) return '"params" must be an object or an array';
  if ('id' in r && !isValidId(r.id)) return '"id" must be a string, a number or null';
  return null;
}
