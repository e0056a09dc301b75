/**
 * Errors on the wire. An OrdoError becomes a JSON-RPC error with the code that errors.ts maps it to, its
 * message, and `data.code` (the stable ORDO_* name) plus any details. Anything else is an internal error
 * whose message stays in the server's log; the caller gets a reference to find it there.
 */
import { randomBytes } from 'node:crypto';
import { ERROR_CODES, OrdoError, wireOf, type ErrorCode } from '../../errors.js';
import type { RpcError } from './protocol.js';

export interface WireError {
  rpc: RpcError;
  http: number;
  /** Set for internal errors: the original error, for the log. */
  internal?: { ref: string; error: unknown };
}

export function toWireError(err: unknown): WireError {
  if (err instanceof OrdoError) {
    const { http, rpc } = wireOf(err.code);
    return { http, rpc: { code: rpc, message: err.message, data: { code: err.code, ...err.details } } };
  }
  const ref = randomBytes(6).toString('hex');
  return {
    http: 500,
    rpc: { code: -32603, message: `internal error (reference ${ref} in the server log)`, data: { code: 'ORDO_INTERNAL', ref } },
    internal: { ref, error: err },
  };
}

/** An OrdoError from a JSON-RPC error received from a server (the client side of the same mapping). */
export function fromRpcError(error: RpcError): OrdoError {
  const data = (typeof error.data === 'object' && error.data !== null ? error.data : {}) as Record<string, unknown>;
  const code = typeof data.code === 'string' && data.code in ERROR_CODES ? (data.code as ErrorCode) : byRpcCode(error.code);
  const { code: _omit, ...details } = data;
  return new OrdoError(code, error.message, details);
}

function byRpcCode(rpc: number): ErrorCode {
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) if (wireOf(code).rpc === rpc) return code;
  return 'ORDO_UNAVAILABLE';
}
