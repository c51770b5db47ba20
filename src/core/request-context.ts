/**
 * One id per piece of work the bot does (an interaction, a message, a channel's digest), carried through
 * async calls with AsyncLocalStorage. Every log line written while handling it, including the core's own
 * (the "LLM failed, falling back" warning), carries `requestId`; when something goes wrong the person sees
 * the same id as the "error id", so a maintainer finds the whole story with one search.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { Logger } from './logger.ts';

interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Short enough to read out, unique enough for a log search: 10 hex characters. */
export function newRequestId(): string {
  return randomBytes(5).toString('hex');
}

export function runWithRequest<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** A logger that adds the current request id (when there is one) to every line. */
export function withRequestIds(base: Logger): Logger {
  const fields = (extra: Record<string, unknown>): Record<string, unknown> => {
    const requestId = currentRequestId();
    return requestId === undefined || 'requestId' in extra ? extra : { requestId, ...extra };
  };
  return {
    debug: (f, m) => base.debug(fields(f), m),
    info: (f, m) => base.info(fields(f), m),
    warn: (f, m) => base.warn(fields(f), m),
    error: (f, m) => base.error(fields(f), m),
    child: (bindings) => withRequestIds(base.child(bindings)),
  };
}
