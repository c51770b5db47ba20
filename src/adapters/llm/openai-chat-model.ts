/**
 * The ChatModel over any OpenAI-compatible endpoint (OpenAI, Ollama, llama.cpp server, vLLM, LM Studio),
 * through the `openai` client. The client's own retries are off: they honour `retry-after` without bound
 * (a 429 with `retry-after: 120` once blocked a call for 240 s). Instead each call gets one time budget that
 * covers every attempt and every wait, and every failure becomes an LlmError whose message a user can read.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { LlmError, type ChatMessage, type ChatModel, type LlmErrorKind } from '../../core/answering/chat-model.ts';
import { silentLogger, type Logger } from '../../core/logger.ts';

export interface OpenAIChatModelOptions {
  /** Endpoint base URL, usually ending in `/v1`; undefined means OpenAI itself. */
  baseURL?: string | undefined;
  /** Sent as a bearer token; never logged and never part of an error. */
  apiKey: string;
  /** Model name as the endpoint knows it, e.g. `gpt-4o-mini` or `llama3.1:8b`. */
  model: string;
  /** The whole call (every attempt and every wait between them) ends within this many milliseconds. */
  timeoutMs: number;
  /** Attempts after the first, for 408, 409, 429, 5xx and connection failures. */
  maxRetries: number;
  logger?: Logger;
  /** Sampling temperature; the endpoint's default when omitted. */
  temperature?: number;
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** First backoff wait; doubles per retry. */
const RETRY_BASE_MS = 500;
/** No wait between attempts is longer than this, whatever `retry-after` says: a chat user is waiting. */
const RETRY_WAIT_CAP_MS = 4_000;
/** Retrying is pointless when less than this would be left for the attempt itself. */
const MIN_ATTEMPT_MS = 500;

export function createOpenAIChatModel(options: OpenAIChatModelOptions): ChatModel {
  const { apiKey, model, timeoutMs, maxRetries, temperature } = options;
  const baseURL = options.baseURL ?? OPENAI_BASE_URL;
  const logger = (options.logger ?? silentLogger).child({ component: 'llm', model });
  const endpoint = describeEndpoint(baseURL);

  const client = new OpenAI({
    apiKey,
    baseURL,
    // Configuration comes from src/config.ts only: stop the client from reading these from the environment.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: 0,
    // Our own deadline aborts first; this only keeps the client's 10-minute default out of the picture.
    timeout: timeoutMs,
    logLevel: 'warn',
    logger: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger.warn({}, `openai client: ${redact(String(message), apiKey)}`),
      error: (message: string) => logger.warn({}, `openai client: ${redact(String(message), apiKey)}`),
    },
  });

  const context: CallContext = { apiKey, model, timeoutMs, maxRetries, endpoint, logger };

  const request = (messages: readonly ChatMessage[]) => ({
    model,
    messages: messages.map((m): ChatCompletionMessageParam => ({ role: m.role, content: m.content })),
    ...(temperature === undefined ? {} : { temperature }),
  });

  return {
    model,

    async complete(messages, callOptions) {
      const budget = new CallBudget(timeoutMs, callOptions?.signal);
      try {
        return await withRetries(context, budget, async (signal) => {
          const completion: unknown = await client.chat.completions.create(request(messages), { signal, maxRetries: 0 });
          return completionText(completion);
        });
      } finally {
        budget.dispose();
      }
    },

    async *stream(messages, callOptions) {
      const budget = new CallBudget(timeoutMs, callOptions?.signal);
      let iterator: AsyncIterator<unknown> | undefined;
      try {
        // Retries are safe only until the first delta: after that the user has seen text we cannot take back.
        const opened = await withRetries(context, budget, async (signal) => {
          const stream = await client.chat.completions.create({ ...request(messages), stream: true }, { signal, maxRetries: 0 });
          const it: AsyncIterator<unknown> = stream[Symbol.asyncIterator]();
          try {
            for (;;) {
              const next = await it.next();
              // The client ends a stream silently when it is aborted; the budget knows whether that happened.
              if (next.done) throw new BadResponse('empty');
              const text = deltaText(next.value);
              if (text !== '') return { it, first: text };
            }
          } catch (error) {
            await it.return?.();
            throw error;
          }
        });
        iterator = opened.it;
        yield opened.first;
        for (;;) {
          let next: IteratorResult<unknown>;
          try {
            next = await iterator.next();
          } catch (error) {
            throw toLlmError(classify(error, budget), context, 1, error);
          }
          if (next.done) break;
          const text = deltaText(next.value);
          if (text !== '') yield text;
        }
        if (budget.stopped) throw toLlmError(classify(undefined, budget), context, 1, undefined);
      } finally {
        // Also runs when the consumer stops early: closes the connection instead of reading the rest.
        await iterator?.return?.();
        budget.dispose();
      }
    },
  };
}

interface CallContext {
  apiKey: string;
  model: string;
  timeoutMs: number;
  maxRetries: number;
  endpoint: string;
  logger: Logger;
}

/** One call's deadline plus the caller's signal, merged into the signal every attempt and wait runs under. */
class CallBudget {
  readonly signal: AbortSignal;
  timedOut = false;
  callerAborted = false;
  private readonly started = Date.now();
  private readonly deadline: number;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly callerSignal: AbortSignal | undefined;
  private readonly onCallerAbort = (): void => {
    this.callerAborted = true;
    this.controller.abort();
  };

  constructor(timeoutMs: number, callerSignal: AbortSignal | undefined) {
    this.signal = this.controller.signal;
    this.deadline = this.started + timeoutMs;
    this.callerSignal = callerSignal;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, timeoutMs);
    if (callerSignal?.aborted) this.onCallerAbort();
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get stopped(): boolean {
    return this.timedOut || this.callerAborted;
  }

  remainingMs(): number {
    return this.deadline - Date.now();
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}

async function withRetries<T>(context: CallContext, budget: CallBudget, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { logger, maxRetries } = context;
  for (let attemptNumber = 1; ; attemptNumber++) {
    if (budget.stopped) throw toLlmError(classify(undefined, budget), context, attemptNumber - 1, undefined);
    try {
      const result = await attempt(budget.signal);
      logger.debug({ attempt: attemptNumber, elapsedMs: budget.elapsedMs() }, 'LLM call succeeded');
      return result;
    } catch (error) {
      const failure = classify(error, budget);
      const fields = { attempt: attemptNumber, kind: failure.kind, status: failure.status, elapsedMs: budget.elapsedMs() };
      if (!failure.retryable || attemptNumber > maxRetries) {
        logger.debug(fields, 'LLM attempt failed; not retrying');
        throw toLlmError(failure, context, attemptNumber, error);
      }
      const waitMs = retryWaitMs(attemptNumber - 1, failure.retryAfterMs);
      if (waitMs + MIN_ATTEMPT_MS > budget.remainingMs()) {
        logger.debug({ ...fields, waitMs, remainingMs: budget.remainingMs() }, 'LLM attempt failed; no time left to retry');
        throw toLlmError(failure, context, attemptNumber, error);
      }
      logger.debug({ ...fields, waitMs, retryAfterMs: failure.retryAfterMs }, 'LLM attempt failed; retrying');
      try {
        await sleep(waitMs, undefined, { signal: budget.signal });
      } catch (sleepError) {
        throw toLlmError(classify(sleepError, budget), context, attemptNumber, sleepError);
      }
    }
  }
}

/** Backoff 0.5 s × 2^n with up to 25 % jitter, or the server's `retry-after`; never more than the cap. */
function retryWaitMs(retryIndex: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), RETRY_WAIT_CAP_MS);
  const backoff = Math.min(RETRY_BASE_MS * 2 ** retryIndex, RETRY_WAIT_CAP_MS);
  return Math.round(backoff * (1 - Math.random() * 0.25));
}

interface Failure {
  kind: LlmErrorKind;
  retryable: boolean;
  status?: number;
  retryAfterMs?: number;
  /** What exactly went wrong, for the message; the kind alone is too coarse for 4xx and bad bodies. */
  detail?: 'empty' | 'invalid' | 'rejected' | 'stream-error';
}

/** Thrown by our own checks of a 200 answer that carries no usable text. */
class BadResponse extends Error {
  constructor(readonly detail: 'empty' | 'invalid') {
    super(detail === 'empty' ? 'The completion carried no text.' : 'The body is not a chat completion.');
  }
}

function classify(error: unknown, budget: CallBudget): Failure {
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
      const retryAfterMs = parseRetryAfter(error.headers);
      return { kind: 'rate-limited', retryable: true, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    if (status === 408) return { kind: 'timeout', retryable: true, status };
    if (status === 409 || status >= 500) return { kind: 'server', retryable: true, status };
    return { kind: 'server', retryable: false, status, detail: 'rejected' };
  }
  if (error instanceof SyntaxError || error instanceof OpenAIError) return { kind: 'bad-response', retryable: false, detail: 'invalid' };
  // What is left comes from the transport (undici's "terminated" when a socket drops mid-body, resets).
  return { kind: 'connection', retryable: true };
}

/** `retry-after-ms` (OpenAI's), then `retry-after` in seconds or as an HTTP date. */
function parseRetryAfter(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const value = headers?.get('retry-after');
  if (value === null || value === undefined) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? date - Date.now() : undefined;
}

function toLlmError(failure: Failure, context: CallContext, attempts: number, cause: unknown): LlmError {
  const message = describeFailure(failure, context, attempts);
  return new LlmError(failure.kind, message, {
    ...(cause === undefined ? {} : { cause: redactError(cause, context.apiKey) }),
    ...(failure.status === undefined ? {} : { status: failure.status }),
  });
}

function describeFailure(failure: Failure, context: CallContext, attempts: number): string {
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

function retryHint(retryAfterMs: number | undefined): string {
  if (retryAfterMs === undefined || retryAfterMs <= 60_000) return 'in a minute';
  return `in about ${Math.ceil(retryAfterMs / 60_000)} minutes`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** Scheme, host and port only: a base URL may carry credentials or tokens in its user info or query. */
function describeEndpoint(baseURL: string): string {
  try {
    return new URL(baseURL).origin;
  } catch (error) {
    if (error instanceof TypeError) return 'the configured base URL';
    throw error;
  }
}

function completionText(completion: unknown): string {
  if (!isRecord(completion) || !Array.isArray(completion['choices'])) throw new BadResponse('invalid');
  const choice: unknown = completion['choices'][0];
  if (choice === undefined) throw new BadResponse('empty');
  if (!isRecord(choice) || !isRecord(choice['message'])) throw new BadResponse('invalid');
  const content = choice['message']['content'];
  if (typeof content !== 'string' || content.trim() === '') throw new BadResponse('empty');
  return content;
}

/** The text of one `chat.completion.chunk`; '' for role-only, usage-only or unrecognised chunks. */
function deltaText(chunk: unknown): string {
  if (!isRecord(chunk) || !Array.isArray(chunk['choices'])) return '';
  const choice: unknown = chunk['choices'][0];
  if (!isRecord(choice) || !isRecord(choice['delta'])) return '';
  const content = choice['delta']['content'];
  return typeof content === 'string' ? content : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function redact(text: string, secret: string): string {
  return secret.length >= 4 ? text.replaceAll(secret, '[redacted]') : text;
}

/**
 * A copy of the error for `cause` with the key removed: some servers echo the key they were given
 * ("Incorrect API key provided: sk-…"), and causes end up in logs. Keeps name, message, stack and the
 * chain of causes (e.g. ECONNREFUSED under "Connection error.").
 */
function redactError(error: unknown, secret: string, depth = 0): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? redact(error, secret) : undefined;
  const copy = new Error(redact(error.message, secret));
  copy.name = error.name;
  if (error.stack !== undefined) copy.stack = redact(error.stack, secret);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  if (error.cause !== undefined && depth < 3) copy.cause = redactError(error.cause, secret, depth + 1);
  return copy;
}
