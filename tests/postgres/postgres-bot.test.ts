/**
 * The bot with DATABASE_URL while PostgreSQL restarts: the real discord.js client against the fake Discord,
 * every part from createApp, the index and the state on PGlite over the wire (the real `pg` client). A
 * question in flight when the server goes away, a question and a 👍 that arrive while it is away, get the
 * one-sentence database error (no stack, no host); once it is back, the next question and 👍 work, on the
 * same pools. (That a 👍 and its answer are stored on each backend is in tests/e2e/backend-suite.ts.)
 */
import { InteractionType, MessageFlags } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assistant } from '../../src/assistant/assistant.ts';
import type { BotAssistant } from '../../src/discord/command.ts';
import { askSlash, buttonsOf, startHarness, withStream, type Harness } from '../discord/harness.ts';
import { startPgliteServer, type PgliteServer } from '../support/pglite-server.ts';

const UNREACHABLE = /^The database is unreachable \((connection refused|the connection was closed)\): check that PostgreSQL is running and DATABASE_URL is right; the next operation connects again\.$/;

let server: PgliteServer;
let h: Harness;
/** A question containing HOLD waits here before the assistant answers it (the test stops the server meanwhile). */
const held = gate();

function gate(): { entered: Promise<void>; enter: () => void; released: Promise<void>; release: () => void } {
  let enter = () => {};
  let release = () => {};
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return { entered, enter, released, release };
}

function holdOn(marker: string) {
  return (assistant: Assistant): BotAssistant =>
    withStream(assistant, async function* (question, options) {
      if (question.includes(marker)) {
        held.enter();
        await held.released;
      }
      yield* assistant.stream(question, options);
    });
}

beforeAll(async () => {
  server = await startPgliteServer({ maxConnections: 20 });
  h = await startHarness({ llm: false, env: { DATABASE_URL: server.url, DATABASE_POOL_SIZE: '2' }, wrapAssistant: holdOn('HOLD') });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await server?.close();
});

describe('the bot with DATABASE_URL while PostgreSQL restarts', () => {
  it('fails what meets the restart with the one-sentence database error, and answers again once it is back', async () => {
    const { final } = await askSlash(h.fake, 'How does VaSSO stabilize the adversary?');
    const up = buttonsOf(final).find((b) => b.custom_id?.startsWith('feedback:up:') ?? false);
    const customId = up?.custom_id ?? '';
    const answerId = customId.split(':')[2] ?? '';
    const messageId = (final.response as { id: string }).id;

    const inFlight = await h.fake.interaction({ name: 'ask', options: { question: 'HOLD What does FaMUS approximate?', private: false } });
    await held.entered;
    await server.stop();
    try {
      held.release();
      const failed = await h.fake.waitForCall((c) => c.interactionId === inFlight.id && c.method === 'PATCH', 10_000);
      expect(failed.message?.content).toMatch(UNREACHABLE);

      // /ask without private: reads the server's settings (PostgreSQL) before anything else.
      const asked = await h.fake.interaction({ name: 'ask', options: { question: 'What is FaMUS?' } });
      const refused = await h.fake.waitForCall({ interactionId: asked.id });
      expect(refused.message).toMatchObject({ flags: MessageFlags.Ephemeral });
      expect(refused.message?.content).toMatch(UNREACHABLE);

      const pressed = await h.fake.interaction({ type: InteractionType.MessageComponent, customId, messageId, user: { id: '4343', username: 'dave' } });
      const notStored = await h.fake.waitForCall({ interactionId: pressed.id });
      expect(notStored.message?.content).toMatch(UNREACHABLE);
    } finally {
      await server.restart();
    }

    const again = await askSlash(h.fake, 'What is FaMUS?');
    expect(again.final.message?.content).toContain('FaMUS');
    const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId, messageId, user: { id: '4343', username: 'dave' } });
    const ack = await h.fake.waitForCall({ interactionId: press.id });
    expect(ack.message?.content).toContain('👍 is recorded');
    const votes = await server.db.query<{ user_id: string }>('SELECT user_id FROM feedback WHERE answer_id = $1', [answerId]);
    expect(votes.rows).toEqual([{ user_id: '4343' }]);
  });
});
