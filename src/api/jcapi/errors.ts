/**
 * Errors as JobCenter's JSON-RPC library (JSON::RPC2::TwoWay) accepts them: `{code, message}` and nothing
 * else (it drops the connection on an error object with more members). The stable ORDO_* code, which the
 * HTTP and WebSocket API carry in `data.code`, leads the message instead: "ORDO_FORBIDDEN: ...".
 */
import type { RpcError } from '../rpc/protocol.js';

export function plainError(e: RpcError): RpcError {
  const data = e.data as { code?: unknown } | undefined;
  const code = typeof data?.code === 'string' ? data.code : null;
  return { code: e.code, message: code && !e.message.startsWith(`${code}:`) ? `${code}: ${e.message}` : e.message };
}

/** A response (or a batch of them) with every error object reduced to `{code, message}`. */
export function plainErrors(response: unknown): unknown {
  if (Array.isArray(response)) return response.map(plainErrors);
  if (typeof response !== 'object' || response === null || !('error' in response)) return response;
  const r = response as { error: RpcError };
  return { ...r, error: plainError(r.error) };
}
