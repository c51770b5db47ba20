/**
 * The ChatModel over any OpenAI-compatible endpoint (OpenAI, Ollama, llama.cpp server, vLLM, LM Studio),
 * through the `openai` client. The client's own retries are off: they honour `retry-after` without bound
 * (a 429 with `retry-after: 120` once blocked a call for 240 s). Instead each call gets one time budget that
 * covers every attempt and every wait (retry-budget.ts), and every failure becomes an LlmError whose message
 * a user can read (llm-failure.ts).
 */
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ChatMessage, ChatModel } from '../../core/answering/chat-model.ts';
import { silentLogger, type Logger } from '../../core/logger.ts';
import { scrubSecrets } from '../../core/redact-secrets.ts';
import { BadResponse, classify, describeEndpoint, toLlmError, type Failure, type FailureContext } from './llm-failure.ts';
import { CallBudget, systemClock, withRetries, type Clock, type RetryOptions } from './retry-budget.ts';

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
  /**
   * Sent as `max_tokens`, the limit every OpenAI-compatible server knows (Ollama, llama.cpp, vLLM; OpenAI's
   * chat models too), so a runaway model stops at the server; the answer's character cap is enforced in
   * code as well. Omitted: the endpoint's default.
   */
  maxTokens?: number;
  /** Sampling temperature; the endpoint's default when omitted. */
  temperature?: number;
  /** Time for the budget's deadline and the waits between attempts (tests pass a virtual clock). */
  clock?: Clock;
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export function createOpenAIChatModel(options: OpenAIChatModelOptions): ChatModel {
  const { apiKey, model, timeoutMs, maxRetries, maxTokens, temperature, clock = systemClock } = options;
  const baseURL = options.baseURL ?? OPENAI_BASE_URL;
  const logger = (options.logger ?? silentLogger).child({ component: 'llm', model });
  const endpoint = describeEndpoint(baseURL);
  const clientWarning = (message: string) => logger.warn({}, `openai client: ${scrubSecrets(String(message), [apiKey])}`);

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
    logger: { debug: () => {}, info: () => {}, warn: clientWarning, error: clientWarning },
  });

  const context: FailureContext = { apiKey, model, timeoutMs, endpoint };
  const newBudget = (signal: AbortSignal | undefined) => new CallBudget({ timeoutMs, signal, clock });
  const retries = (budget: CallBudget): RetryOptions<Failure> => ({
    maxRetries,
    logger,
    classify: (error) => classify(error, budget),
    fail: (failure, attempts, cause) => toLlmError(failure, context, attempts, cause),
  });

  const request = (messages: readonly ChatMessage[]) => ({
    model,
    messages: messages.map((m): ChatCompletionMessageParam => ({ role: m.role, content: m.content })),
    ...(temperature === undefined ? {} : { temperature }),
    ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
  });

  return {
    model,

    async complete(messages, callOptions) {
      const budget = newBudget(callOptions?.signal);
      try {
        return await withRetries(budget, retries(budget), async (signal) => {
          const completion: unknown = await client.chat.completions.create(request(messages), { signal, maxRetries: 0 });
          return completionText(completion);
        });
      } finally {
        budget.dispose();
      }
    },

    async *stream(messages, callOptions) {
      const budget = newBudget(callOptions?.signal);
      let iterator: AsyncIterator<unknown> | undefined;
      try {
        // Retries are safe only until the first delta: after that the user has seen text we cannot take back.
        const opened = await withRetries(budget, retries(budget), async (signal) => {
          const stream = await client.chat.completions.create({ ...request(messages), stream: true }, { signal, maxRetries: 0 });
          const it: AsyncIterator<unknown> = stream[Symbol.asyncIterator]();
          try {
            // A 200 that is not an event stream of chunks (an HTML page, a JSON error) ends with nothing
            // recognisable: that is not an empty answer but no chat completion at all.
            let chunks = 0;
            for (;;) {
              const next = await it.next();
              // The client ends a stream silently when it is aborted; the budget knows whether that happened.
              if (next.done) throw new BadResponse(chunks > 0 ? 'empty' : 'invalid');
              if (isChunk(next.value)) chunks += 1;
              if (stoppedAtTokenLimit(next.value)) callOptions?.onTokenLimit?.();
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
          if (stoppedAtTokenLimit(next.value)) callOptions?.onTokenLimit?.();
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

/** Whether a chunk says the reply ended at the token limit (`finish_reason: "length"`), i.e. mid-thought. */
function stoppedAtTokenLimit(chunk: unknown): boolean {
  if (!isRecord(chunk) || !Array.isArray(chunk['choices'])) return false;
  const choice: unknown = chunk['choices'][0];
  return isRecord(choice) && choice['finish_reason'] === 'length';
}

function isChunk(chunk: unknown): boolean {
  return isRecord(chunk) && Array.isArray(chunk['choices']);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
