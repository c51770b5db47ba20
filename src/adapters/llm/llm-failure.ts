/**
 * What went wrong in a call to an OpenAI-compatible endpoint, as the retry budget needs to know it (which
 * kind, retry or not, how long the server asks us to wait) and as a user reads it: one LlmError sentence that
 * says what to check, never the key, never more of the base URL than its origin.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAIError } from 'openai';
import { LlmError, type LlmErrorKind } from '../../core/answering/chat-model.ts';
import { redactError } from '../../core/redact-secrets.ts';
import { parseRetryAfter, type AttemptFailure, type CallBudget } from './retry-budget.ts';

export interface Failure extends AttemptFailure {
  kind: LlmErrorKind;
  /** What exactly went wrong, for the message; the kind alone is too coarse for 4xx and bad bodies. */
  detail?: 'empty' | 'invalid' | 'rejected' | 'stream-error' | 'cut';
}

/** What the messages name: the model, the endpoint's origin, the budget; the key only to remove it. */
export interface FailureContext {
  apiKey: string;
  model: string;
  timeoutMs: number;
  endpoint: string;
}

/** Thrown by our own checks of a 200 answer that carries no usable text. */
export class BadResponse extends Error {
  constructor(readonly detail: 'empty' | 'invalid') {
    super(detail === 'empty' ? 'The completion carried no text.' : 'The body is not a chat completion.');
  }
}

export function classify(error: unknown, budget: Pick<CallBudget, 'callerAborted' | 'timedOut' | 'now'>): Failure {
  // The budget is checked first: an abort surfaces as many different errors (or as a silently ended stream).
  if (budget.callerAborted) return { kind: 'aborted', retryable: false };
  if (budget.timedOut) return { kind: 'timeout', retryable: false };
  if (error instanceof BadResponse) return { kind: 'bad-response', retryable: false, detail: error.detail };
  if (error instanceof APIUserAbortError) return { kind: 'aborted', retryable: false };
  if (error instanceof APIConnectionTimeoutError) return { kind: 'timeout', retryable: true };
  if (error instanceof APIConnectionError) return { kind: 'connection', retryable: true };
  if (error instanceof APIError) {
    const status: number | undefined = error.status;
    if (status === undefined) return { kind: 'server', retryable: true, detail: 'stream-error' };
    if (status === 401 || status === 403) return { kind: 'auth', retryable: false, status };
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(error.headers, budget.now());
      return { kind: 'rate-limited', retryable: true, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    if (status === 408) return { kind: 'timeout', retryable: true, status };
    if (status === 409 || status >= 500) return { kind: 'server', retryable: true, status };
    return { kind: 'server', retryable: false, status, detail: 'rejected' };
  }
  if (error instanceof SyntaxError || error instanceof OpenAIError) return { kind: 'bad-response', retryable: false, detail: 'invalid' };
  // What is left comes from the transport. After the client's own connection errors (above), a socket that
  // drops is one that was answering: the body was cut, which is not "could not connect".
  if (isCutBody(error)) return { kind: 'connection', retryable: true, detail: 'cut' };
  return { kind: 'connection', retryable: true };
}

export function toLlmError(failure: Failure, context: FailureContext, attempts: number, cause: unknown): LlmError {
  const message = describeFailure(failure, context, attempts);
  const redacted = redactError(cause, [context.apiKey]);
  return new LlmError(failure.kind, message, {
    ...(redacted === undefined ? {} : { cause: redacted }),
    ...(failure.status === undefined ? {} : { status: failure.status }),
  });
}

function describeFailure(failure: Failure, context: FailureContext, attempts: number): string {
  const http = failure.status === undefined ? '' : ` (HTTP ${failure.status})`;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  switch (failure.kind) {
    case 'timeout':
      return `The language model did not answer within ${formatSeconds(context.timeoutMs)}.`;
    case 'rate-limited':
      return `The language model provider is rate-limiting requests${tries}; try again ${retryHint(failure.retryAfterMs)}.`;
    case 'auth':
      return `The language model server refused the API key${http}; check OPENAI_API_KEY.`;
    case 'connection':
      if (failure.detail === 'cut') return `The connection to the language model server at ${context.endpoint} broke off in the middle of its answer${tries}.`;
      return `Could not connect to the language model server at ${context.endpoint}${tries}.`;
    case 'aborted':
      return 'The request to the language model was cancelled.';
    case 'bad-response':
      return failure.detail === 'empty'
        ? 'The language model returned an empty answer.'
        : 'The language model sent a response that is not a valid chat completion.';
    case 'server':
      if (failure.detail === 'rejected') {
        return `The language model server rejected the request${http}; check the model name "${context.model}" and the endpoint ${context.endpoint}.`;
      }
      if (failure.detail === 'stream-error') return `The language model server reported an error while answering${tries}.`;
      return `The language model server failed${http}${tries}.`;
  }
}

/** undici's "terminated" (a body whose socket closed), or a reset, as a TypeError or as its cause. */
function isCutBody(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (e.message === 'terminated' || code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') return true;
  }
  return false;
}

function retryHint(retryAfterMs: number | undefined): string {
  if (retryAfterMs === undefined || retryAfterMs <= 60_000) return 'in a minute';
  return `in about ${Math.ceil(retryAfterMs / 60_000)} minutes`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** Scheme, host and port only: a base URL may carry credentials or tokens in its user info or query. */
export function describeEndpoint(baseURL: string): string {
  try {
    return new URL(baseURL).origin;
  } catch (error) {
    if (error instanceof TypeError) return 'the configured base URL';
    throw error;
  }
}
