/**
 * One catalogue of errors with stable codes (after fastify's FST_ERR_*). Each maps to an exit code for
 * the CLI here and, in ERROR_WIRE below, to an HTTP status and a JSON-RPC error code. A test fails when
 * a code is missing from docs/cli.md (and from docs/api.md with its wire codes).
 */
export const ERROR_CODES = {
  ORDO_BAD_ARGUMENT: { exit: 2, message: 'a command-line argument is invalid' },
  ORDO_BAD_PARAM: { exit: 2, message: 'a flow parameter (or variable) is unknown, missing or of the wrong type' },
  ORDO_INVALID_PROJECT: { exit: 2, message: 'the project definitions have errors' },
  ORDO_NO_PROJECT: { exit: 2, message: 'the directory is not an Ordo project' },
  ORDO_NOT_FOUND: { exit: 3, message: 'a flow, run, job or key does not exist' },
  ORDO_BAD_STATE: { exit: 4, message: 'the operation does not apply in the current state' },
  ORDO_CONFLICT: { exit: 5, message: 'another process changed the same thing at the same time' },
  ORDO_STORE: { exit: 6, message: 'the store cannot be opened or migrated' },
  ORDO_UNAUTHENTICATED: { exit: 7, message: 'no valid API token was given' },
  ORDO_FORBIDDEN: { exit: 7, message: "the caller's role does not allow the operation" },
  ORDO_UNAVAILABLE: { exit: 8, message: 'the server cannot be reached or answered out of protocol' },
  ORDO_PARSE_ERROR: { exit: 2, message: 'an API message is not valid JSON' },
  ORDO_INVALID_REQUEST: { exit: 2, message: 'an API message is not a valid JSON-RPC 2.0 request' },
  ORDO_METHOD_NOT_FOUND: { exit: 2, message: 'the API has no such method (or, over HTTP, no such path)' },
  ORDO_METHOD_NOT_ALLOWED: { exit: 2, message: 'HTTP: the path exists, but not for this HTTP method' },
  ORDO_INVALID_PARAMS: { exit: 2, message: "a method's params do not match its JSON Schema" },
  ORDO_TOO_LARGE: { exit: 2, message: 'an API message is larger than the configured limit' },
  ORDO_WF_INPUT: { exit: 2, message: "a workflow's input does not match its in: section" },
  ORDO_STALE_COOKIE: { exit: 5, message: "a task result came with a cookie that is not the task's current claim" },
  ORDO_UNSUPPORTED_MEDIA_TYPE: { exit: 2, message: 'an API request body is not of type application/json' },
  ORDO_RATE_LIMITED: { exit: 7, message: 'too many failed authentications from this address: wait until it cools' },
  ORDO_CANNOT_LISTEN: { exit: 9, message: 'the server cannot listen on its address (in use, or not permitted)' },
  ORDO_MASTER_KEY: { exit: 2, message: 'the master key for secrets is missing, unreadable, or not the one the secrets were encrypted with' },
  ORDO_NOT_LEADER: { exit: 5, message: 'this server no longer holds the scheduler lease with the fence it wrote under: the write was refused' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * How each code crosses the wire: its HTTP status and its JSON-RPC 2.0 error code (the one mapping the API
 * uses; docs/api.md lists it). Protocol errors use the codes of the JSON-RPC specification, application
 * errors stable codes from 1000 up; `error.data.code` always carries the ORDO_* name.
 */
export const ERROR_WIRE: Partial<Record<ErrorCode, { http: number; rpc: number }>> = {
  ORDO_BAD_ARGUMENT: { http: 400, rpc: 1001 },
  ORDO_BAD_PARAM: { http: 400, rpc: 1002 },
  ORDO_INVALID_PROJECT: { http: 422, rpc: 1003 },
  ORDO_NOT_FOUND: { http: 404, rpc: 1004 },
  ORDO_BAD_STATE: { http: 409, rpc: 1005 },
  ORDO_CONFLICT: { http: 409, rpc: 1006 },
  ORDO_STORE: { http: 503, rpc: 1007 },
  ORDO_UNAUTHENTICATED: { http: 401, rpc: 1008 },
  ORDO_FORBIDDEN: { http: 403, rpc: 1009 },
  ORDO_UNAVAILABLE: { http: 503, rpc: 1010 },
  ORDO_PARSE_ERROR: { http: 400, rpc: -32700 },
  ORDO_INVALID_REQUEST: { http: 400, rpc: -32600 },
  ORDO_METHOD_NOT_FOUND: { http: 404, rpc: -32601 },
  ORDO_METHOD_NOT_ALLOWED: { http: 405, rpc: -32005 },
  ORDO_INVALID_PARAMS: { http: 400, rpc: -32602 },
  ORDO_TOO_LARGE: { http: 413, rpc: -32001 },
  ORDO_WF_INPUT: { http: 400, rpc: 1011 },
  ORDO_STALE_COOKIE: { http: 409, rpc: 1012 },
  ORDO_UNSUPPORTED_MEDIA_TYPE: { http: 415, rpc: 1013 },
  ORDO_RATE_LIMITED: { http: 429, rpc: 1014 },
  ORDO_NO_PROJECT: { http: 422, rpc: 1015 },
  ORDO_CANNOT_LISTEN: { http: 503, rpc: 1016 },
  ORDO_MASTER_KEY: { http: 503, rpc: 1030 },
  ORDO_NOT_LEADER: { http: 409, rpc: 1040 },
};

/** A code's HTTP status and JSON-RPC code; a code not yet mapped answers as an internal error. */
export function wireOf(code: ErrorCode): { http: number; rpc: number } {
  return ERROR_WIRE[code] ?? { http: 500, rpc: -32603 };
}

export class OrdoError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'OrdoError';
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}
