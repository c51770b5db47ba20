/**
 * What a person is told when something fails: a UserError's own sentence, else a short notice with the
 * error id (the log has the full error under that id, scrubbed by src/core/redact-secrets.ts).
 */
import { isUserError } from '../core/errors.ts';
import { errorNotice } from './render/info-messages.ts';

/** What the person sees for an error: the UserError's sentence, else a generic notice with the id. */
export function userFacingMessage(error: unknown, errorId: string): string {
  return isUserError(error) ? error.message : errorNotice(errorId);
}
