/**
 * Streaming and shutdown, in process, with a slow chat model: progress edits come at most one per interval
 * (600 ms here, to keep the test short; the bot's is 1.5 s) and never show a citation the model invented; a shutdown stops taking questions, lets an answer in flight
 * finish, and interrupts (with a notice) an answer that outlasts the grace period. Each test starts with a
 * running bot and says how long the model writes, so the tests hold in any order.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InteractionResponseType, MessageFlags } from 'discord.js';
import { INTERRUPTED_NOTICE, SHUTTING_DOWN_NOTICE } from '../../src/discord/render/info-messages.ts';
import { RecordingChatModel } from '../support/recording-chat-model.ts';
import { carriesFeedback, restErrors, startHarness, type Harness } from './harness.ts';

const PROGRESS_INTERVAL_MS = 600;
const WORD_MS = 60;

/** How many words the model writes, one every WORD_MS, inventing a citation [9] on the way. */
let words = 20;
const model = new RecordingChatModel({
  model: 'slow-fake',
  deltaDelayMs: WORD_MS,
  reply: () => Array.from({ length: words }, (_, i) => (i === 3 ? 'approximation [9] ' : i === 6 ? 'gradient [1] ' : `word${i} `)),
});

let h: Harness;
let callsBefore = 0;

beforeAll(async () => {
  h = await startHarness({ chatModel: model, progressIntervalMs: PROGRESS_INTERVAL_MS });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  // The shutdown tests stop their bot: whatever ran before, this test starts with a running one.
  if (!h.bot.client.isReady()) await h.replaceBot();
  callsBefore = h.fake.calls.length;
});

afterEach(() => {
  expect(restErrors(h.fake.calls.slice(callsBefore))).toEqual([]);
});

describe('streaming progress and graceful shutdown', () => {
  it('edits progress at most once per interval while the model writes, never showing an invented citation', async () => {
    words = 30; // ~1.8 s of writing: three intervals
    const dispatched = performance.now();
    const ix = await h.fake.interaction({ name: 'ask', options: { question: 'What does FaMUS approximate to save training time?' } });
    const final = await h.fake.waitForCall((c) => c.interactionId === ix.id && carriesFeedback(c), 10_000);
    const calls = h.fake.findCalls({ interactionId: ix.id });
    const deferral = calls[0]!;
    expect(deferral.callback?.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    const edits = calls.filter((c) => c.method === 'PATCH');
    const progress = edits.slice(0, -1);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    // The bot starts its clock once the deferral is answered and sends edit k no earlier than k intervals
    // later, so edit k reaches Discord no earlier than that after the deferral did, however loaded the machine
    // (less the 1 ms Date.now rounds off). Gaps between two arrivals also carry each request's own delay, so
    // they are not asserted; the exact spacing is progress-editor.test.ts's, on a virtual clock.
    progress.forEach((edit, i) => expect(edit.at - deferral.at).toBeGreaterThan((i + 1) * PROGRESS_INTERVAL_MS - 1));
    for (const edit of progress) {
      expect(edit.message?.content).toMatch(/writing…|🔎 Found/);
      expect(edit.message?.content).not.toContain('[9]');
    }
    expect(edits.at(-1)).toBe(final);
    expect(final.message?.content).toMatch(/approximation gradient|gradient \[1\]/);
    expect(final.message?.content).not.toContain('[9]');
    const arrivals = progress.map((c) => (c.at - deferral.at).toFixed(0)).join(', ');
    console.info(`streamed answer: ${edits.length} edits, progress ${arrivals} ms after the deferral; total ${(final.at - dispatched).toFixed(0)} ms`);
  }, 20_000);

  it('on shutdown stops taking questions but finishes the answer in flight', async () => {
    words = 12; // ~0.7 s
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
    const bot = await h.replaceBot({ shutdownGraceMs: 300 });
    words = 200; // ~12 s: far longer than the grace period
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
});
