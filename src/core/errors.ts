/**
 * Errors a person should read. A UserError carries a sentence meant for the user (what went wrong and
 * how to fix it); anything else is a bug and is logged with its stack and answered generically.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** Stable machine-readable code, e.g. `E_INDEX_MISSING`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** A short description of any thrown value, for one-line notices. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
