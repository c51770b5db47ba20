/**
 * The one place that keeps secrets out of what paperbot writes down: the bot token, the API key and the
 * interaction tokens that discord.js puts into the URLs of its errors. Logs, error records and anything
 * shown to a person pass through here (the logger also redacts credential-like keys by name).
 */

/** Interaction and webhook tokens sit in URL paths: /interactions/<id>/<token>/…, /webhooks/<app>/<token>/… */
const URL_TOKENS = /\/(interactions|webhooks)\/(\d+)\/[^/\s?"']+/g;

/** Secrets shorter than this are not redacted: replacing "a" everywhere would mangle the text, not hide a key. */
const MIN_SECRET_LENGTH = 4;

/** `text` with every known secret and every interaction token replaced. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text.replace(URL_TOKENS, '/$1/$2/[token]');
  for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH) scrubbed = scrubbed.split(secret).join('[redacted]');
  return scrubbed;
}

/** A loggable description of any thrown value: name, message, code/status, stack (and the cause's), scrubbed. */
export function describeForLog(error: unknown, secrets: readonly string[], depth = 0): Record<string, unknown> {
  const scrub = (text: string): string => scrubSecrets(text, secrets);
  if (!(error instanceof Error)) return { message: scrub(String(error)) };
  const extra = error as Error & { code?: unknown; status?: unknown; method?: unknown; url?: unknown; kind?: unknown };
  const described: Record<string, unknown> = { name: error.name, message: scrub(error.message) };
  for (const key of ['code', 'status', 'kind', 'method'] as const) {
    if (typeof extra[key] === 'string' || typeof extra[key] === 'number') described[key] = extra[key];
  }
  if (typeof extra.url === 'string') described.url = scrub(extra.url);
  if (error.stack !== undefined) described.stack = scrub(error.stack);
  if (error.cause !== undefined && depth < 3) described.cause = describeForLog(error.cause, secrets, depth + 1);
  return described;
}

/**
 * A scrubbed copy of a thrown value, to keep as an error's `cause`: an Error stays an Error (name, message,
 * stack, a string `code`, and up to three causes, e.g. ECONNREFUSED under "Connection error."), a string
 * stays a string, anything else is dropped. Servers echo keys back ("Incorrect API key provided: sk-…"), and
 * causes end up in logs.
 */
export function redactError(error: unknown, secrets: readonly string[], depth = 0): Error | string | undefined {
  if (!(error instanceof Error)) return typeof error === 'string' ? scrubSecrets(error, secrets) : undefined;
  const copy = new Error(scrubSecrets(error.message, secrets));
  copy.name = error.name;
  if (error.stack !== undefined) copy.stack = scrubSecrets(error.stack, secrets);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  if (error.cause !== undefined && depth < 3) copy.cause = redactError(error.cause, secrets, depth + 1);
  return copy;
}
