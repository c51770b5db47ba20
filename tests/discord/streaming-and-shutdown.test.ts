/**
 * Streaming and shutdown, in process, with a slow chat model: progress edits come at most one per ~1.5 s
 * and never show a citation the model invented; a shutdown stops taking questions, lets an answer in flight
 * finish, and interrupts (with a notice) an answer that outlasts the grace period.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InteractionResponseType, MessageFlags } from 'discord.js';
import { LlmError, type ChatMessage, type ChatModel } from '../../src/core/answering/chat-model.ts';
import { INTERRUPTED_NOTICE, SHUTTING_DOWN_NOTICE } from '../../src/discord/render/info-messages.ts';
import { carriesFeedback, startHarness, type Harness } from './harness.ts';

const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => {
  rejections.push(reason);
};
process.on('unhandledRejection', onRejection);

/** A model that writes one word every `delayMs`, inventing a citation [9] on the way; it honours abort. */
function slowModel(): ChatModel & { words: number; delayMs: number; requests: ChatMessage[][] } {
  const model = {
    model: 'slow-fake',
    words: 20,
    delayMs: 150,
    requests: [] as ChatMessage[][],
    complete: () => Promise.reject(new Error('not used')),
    async *stream(messages: readonly ChatMessage[], options: { signal?: AbortSignal } = {}) {
      model.requests.push([...messages]);
      const words = Array.from({ length: model.words }, (_, i) => (i === 3 ? 'approximation [9]' : i === 6 ? 'gradient [1]' : `word${i}`));
      for (const word of words) {
        await sleep(model.delayMs, undefined, options.signal ? { signal: options.signal } : {}).catch((error: unknown) => {
          throw new LlmError('aborted', 'The request was cancelled.', { cause: error });
        });
        yield `${word} `;
      }
    },
  };
  return model;
}

let h: Harness;
const model = slowModel();

beforeAll(async () => {
  h = await startHarness({ chatModel: model, progressIntervalMs: 1500 });
}, 120_000);

afterAll(async () => {
  await h?.close();
  process.off('unhandledRejection', onRejection);
});

describe('streaming progress and graceful shutdown', () => {
  it('edits progress at most once per ~1.5 s while the model writes, never showing an invented citation', async () => {
    model.words = 30; // ~4.5 s of writing
    const dispatched = performance.now();
    const ix = await h.fake.interaction({ name: 'ask', options: { question: 'What does FaMUS approximate to save training time?' } });
    const final = await h.fake.waitForCall((c) => c.interactionId === ix.id && carriesFeedback(c), 10_000);
    const calls = h.fake.findCalls({ interactionId: ix.id });
    const deferral = calls[0]!;
    expect(deferral.callback?.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    const edits = calls.filter((c) => c.method === 'PATCH');
    const progress = edits.slice(0, -1);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const times = [deferral.at, ...progress.map((c) => c.at)];
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1450);
    for (const edit of progress) {
      expect(edit.message?.content).toMatch(/writing…|🔎 Found/);
      expect(edit.message?.content).not.toContain('[9]');
    }
    expect(edits.at(-1)).toBe(final);
    expect(final.message?.content).toMatch(/approximation gradient|gradient \[1\]/);
    expect(final.message?.content).not.toContain('[9]');
    console.info(`streamed answer: ${edits.length} edits, gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms; total ${(final.at - dispatched).toFixed(0)} ms`);
  }, 20_000);

  it('on shutdown stops taking questions but finishes the answer in flight', async () => {
    model.words = 12; // ~1.8 s
    const inFlight = await h.fake.interaction({ name: 'ask', options: { question: 'What is VaSSO?' } });
    await h.fake.waitForCall({ interactionId: inFlight.id });
    await sleep(100);
    const stopping = h.bot.shutdown();
    const late = await h.fake.interaction({ name: 'ask', options: { question: 'What is FaMUS?' } });
    const refusal = await h.fake.waitForCall({ interactionId: late.id });
    expect(refusal.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: SHUTTING_DOWN_NOTICE });

    await stopping;
    const final = h.fake.findCalls((c) => c.interactionId === inFlight.id && carriesFeedback(c));
    expect(final).toHaveLength(1);
    expect(h.bot.client.isReady()).toBe(false);
  }, 20_000);

  it('interrupts, with a notice, an answer that outlasts the grace period', async () => {
    const bot = await h.startBot({ shutdownGraceMs: 300 });
    model.words = 200; // ~30 s: far longer than the grace period
    const ix = await h.fake.interaction({ name: 'ask', options: { question: 'What does FaMUS approximate?' } });
    await h.fake.waitForCall({ interactionId: ix.id });
    await sleep(200);
    const started = performance.now();
    await bot.shutdown();
    const took = performance.now() - started;
    const notice = h.fake.findCalls({ interactionId: ix.id }).at(-1);
    expect(notice?.message?.content).toBe(INTERRUPTED_NOTICE);
    expect(took).toBeLessThan(2000);
    console.info(`shutdown with an answer outlasting a 300 ms grace period: ${took.toFixed(0)} ms`);
  }, 20_000);

  it('saw no unhandled promise rejection and no REST error', () => {
    expect(rejections).toEqual([]);
    expect(h.fake.calls.filter((c) => c.status >= 400)).toEqual([]);
  });
});
