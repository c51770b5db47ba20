/**
 * The language model as the core sees it: messages in, text out (whole or streamed). The OpenAI-compatible
 * adapter lives in src/adapters/llm/; it owns timeouts and retries and throws LlmError.
 */
/** Earlier exchanges (question + answer) given as context to a follow-up, in the terminal and on Discord. */
export const HISTORY_TURNS = 3;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Called when the endpoint ended the reply because it reached its token limit (LLM_MAX_TOKENS), not because it was done. */
  onTokenLimit?: () => void;
}

export interface ChatModel {
  /** Model name as sent to the endpoint, for /about and logs. */
  readonly model: string;
  complete(messages: readonly ChatMessage[], options?: { signal?: AbortSignal }): Promise<string>;
  /** Text deltas as they arrive. Throws LlmError like complete(). */
  stream(messages: readonly ChatMessage[], options?: StreamOptions): AsyncIterable<string>;
}

export type LlmErrorKind = 'timeout' | 'rate-limited' | 'server' | 'connection' | 'bad-response' | 'auth' | 'aborted';

/** A failed LLM call after our own retry budget was spent. `message` is one sentence fit for a notice. */
export class LlmError extends Error {
  override readonly name = 'LlmError';
  readonly kind: LlmErrorKind;
  readonly status: number | undefined;

  constructor(kind: LlmErrorKind, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options?.status;
  }
}
