/**
 * One catalogue of errors with stable codes (after fastify's FST_ERR_*). Each maps to an exit code for
 * the CLI here and, in the server issue, to an HTTP status and a JSON-RPC error code. A test fails when
 * a code is missing from docs/cli.md.
 */
export const ERROR_CODES = {
  ORDO_BAD_ARGUMENT: { exit: 2, message: 'a command-line argument is invalid' },
  ORDO_BAD_PARAM: { exit: 2, message: 'a flow parameter is unknown, missing or of the wrong type' },
  ORDO_INVALID_PROJECT: { exit: 2, message: 'the project definitions have errors' },
  ORDO_NOT_FOUND: { exit: 3, message: 'a flow, run, job or key does not exist' },
  ORDO_BAD_STATE: { exit: 4, message: 'the operation does not apply in the current state' },
  ORDO_CONFLICT: { exit: 5, message: 'another process changed the same thing at the same time' },
  ORDO_STORE: { exit: 6, message: 'the store cannot be opened or migrated' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class OrdoError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'OrdoError';
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}
