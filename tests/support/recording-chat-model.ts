/**
 * The one fake language model for tests: it implements the real ChatModel interface, answers what the test
 * scripted, and records every call (like the AI SDK's `MockEmbeddingModelV3.doEmbedCalls`), so tests
 * assert on what the model was asked and with which abort signal, never on how the fake works.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LlmError, type ChatMessage, type ChatModel } from '../../src/core/answering/chat-model.ts';

export interface ChatModelCall {
  method: 'complete' | 'stream';
  /** A copy: what the model was given at the time of the call. */
  messages: ChatMessage[];
  signal: AbortSignal | undefined;
}

/** A scripted reply: the text (streamed as these deltas when a list), or an error the call throws. */
export type ChatReply = string | readonly string[] | Error;

export interface RecordingChatModelOptions {
  /** The model name, as /about and the logs show it (default 'fake-model'). */
  model?: string;
  /** What every call answers, or a function of the call that decides (default 'A fake answer [1].'). */
  reply?: ChatReply | ((call: ChatModelCall) => ChatReply);
  /**
   * A slow model: streaming waits this long before each delta. The wait ends with LlmError 'aborted' when
   * the call's signal aborts, as the real adapter does.
   */
  deltaDelayMs?: number;
}

export class RecordingChatModel implements ChatModel {
  readonly model: string;
  /** Every call, oldest first. */
  readonly calls: ChatModelCall[] = [];
  private readonly reply: NonNullable<RecordingChatModelOptions['reply']>;
  private readonly deltaDelayMs: number;

  constructor({ model = 'fake-model', reply = 'A fake answer [1].', deltaDelayMs = 0 }: RecordingChatModelOptions = {}) {
    this.model = model;
    this.reply = reply;
    this.deltaDelayMs = deltaDelayMs;
  }

  async complete(messages: readonly ChatMessage[], options: { signal?: AbortSignal } = {}): Promise<string> {
    const reply = this.record('complete', messages, options.signal);
    if (reply instanceof Error) throw reply;
    return typeof reply === 'string' ? reply : reply.join('');
  }

  async *stream(messages: readonly ChatMessage[], options: { signal?: AbortSignal } = {}): AsyncIterable<string> {
    const reply = this.record('stream', messages, options.signal);
    if (reply instanceof Error) throw reply;
    for (const delta of typeof reply === 'string' ? [reply] : reply) {
      if (this.deltaDelayMs > 0) await this.wait(options.signal);
      yield delta;
    }
  }

  private record(method: ChatModelCall['method'], messages: readonly ChatMessage[], signal: AbortSignal | undefined): ChatReply {
    const call: ChatModelCall = { method, messages: [...messages], signal };
    this.calls.push(call);
    return typeof this.reply === 'function' ? this.reply(call) : this.reply;
  }

  private async wait(signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(this.deltaDelayMs, undefined, signal === undefined ? {} : { signal });
    } catch (error) {
      throw new LlmError('aborted', 'The request was cancelled.', { cause: error });
    }
  }
}
