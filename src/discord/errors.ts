/**
 * The error boundary's pieces: what a person is told (a UserError's own sentence, else a short notice with
 * the error id) and what the log gets (the full error with its stack, under the same id, with secrets
 * scrubbed: the bot token and interaction tokens, which discord.js puts into the URLs of its errors).
 */
import { isUserError } from '../core/errors.ts';
import { errorNotice } from './render/info-messages.ts';

/** Interaction and webhook tokens sit in URL paths: /interactions/<id>/<token>/…, /webhooks/<app>/<token>/… */
const URL_TOKENS = /\/(interactions|webhooks)\/(\d+)\/[^/\s?"']+/g;

/** `text` with every known secret and every interaction token replaced. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text.replace(URL_TOKENS, '/$1/$2/[token]');
  for (const secret of secrets) if (secret.length >= 8) scrubbed = scrubbed.split(secret).join('[redacted]');
  return scrubbed;
}

/** A loggable description of any thrown value: name, message, code/status, stack (and the cause's), scrubbed. */
export function describeForLog(error: unknown, secrets: readonly string[]): Record<string, unknown> {
  const scrub = (text: string): string => scrubSecrets(text, secrets);
  if (!(error instanceof Error)) return { message: scrub(String(error)) };
  const extra = error as Error & { code?: unknown; status?: unknown; method?: unknown; url?: unknown; kind?: unknown };
  const described: Record<string, unknown> = { name: error.name, message: scrub(error.message) };
  for (const key of ['code', 'status', 'kind', 'method'] as const) {
    if (typeof extra[key] === 'string' || typeof extra[key] === 'number') described[key] = extra[key];
  }
  if (typeof extra.url === 'string') described.url = scrub(extra.url);
  if (error.stack !== undefined) described.stack = scrub(error.stack);
  if (error.cause !== undefined) described.cause = describeForLog(error.cause, secrets);
  return described;
}

/** What the person sees for an error: the UserError's sentence, else a generic notice with the id. */
export function userFacingMessage(error: unknown, errorId: string): string {
  return isUserError(error) ? error.message : errorNotice(errorId);
}
