/**
 * JSON-RPC 2.0 message shapes (https://www.jsonrpc.org/specification) and their builders. A request has an
 * `id` (string, number or null); a notification has none and gets no response, not even an error.
 */
export type RpcId = string | number | null;

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

export type RpcResponse =
  | { jsonrpc: '2.0'; id: RpcId; result: unknown }
  | { jsonrpc: '2.0'; id: RpcId; error: RpcError };

export interface RpcRequest {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown> | unknown[];
  /** Absent for a notification. */
  id?: RpcId;
}

export interface RpcNotification {
  jsonrpc: '2.0';
  method: string;
  params: Record<string, unknown>;
}

export function success(id: RpcId, result: unknown): RpcResponse {
  return { jsonrpc: '2.0', id, result: result === undefined ? null : result };
}

export function failure(id: RpcId, error: RpcError): RpcResponse {
  return { jsonrpc: '2.0', id, error };
}

export function notification(method: string, params: Record<string, unknown>): RpcNotification {
  return { jsonrpc: '2.0', method, params };
}

export function isValidId(id: unknown): id is RpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/** The id of a request-shaped value, when it has a valid one; null otherwise (as the specification asks). */
export function idOf(value: unknown): RpcId {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return isValidId(id) ? id : null;
}
