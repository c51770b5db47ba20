/**
 * The bot with its state on PostgreSQL: the real discord.js client against the fake Discord, every part from
 * createApp, the state opened by create-backends.ts on PGlite over the wire (the real `pg` client). A 👍 is a
 * row in PostgreSQL, read back with SQL beside the app; and while PostgreSQL restarts, what needs it fails
 * with the one-sentence database error (no stack, no host) and the next question, once it is back, works.
 */
import { InteractionType, MessageFlags } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askSlash, buttonsOf, startHarness, type Harness } from '../discord/harness.ts';
import { startPgliteServer, type PgliteServer } from '../support/pglite-server.ts';

let server: PgliteServer;
let h: Harness;

beforeAll(async () => {
  server = await startPgliteServer();
  h = await startHarness({ llm: false, postgresStateUrl: server.url, env: { DATABASE_POOL_SIZE: '2' } });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await server?.close();
});

/** The 👍 button of an answer, and what pressing it needs. */
function upButton(final: Awaited<ReturnType<typeof askSlash>>['final']): { customId: string; answerId: string; messageId: string } {
  const up = buttonsOf(final).find((b) => b.custom_id?.startsWith('feedback:up:') ?? false);
  const customId = up?.custom_id ?? '';
  return { customId, answerId: customId.split(':')[2] ?? '', messageId: (final.response as { id: string }).id };
}

describe('the bot with its state on PostgreSQL', () => {
  it('stores the answer and a 👍 as rows in PostgreSQL', async () => {
    const { final } = await askSlash(h.fake, 'What does FaMUS approximate to save training time?');
    const { customId, answerId, messageId } = upButton(final);
    const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId, messageId, user: { id: '4242', username: 'carol' } });
    const ack = await h.fake.waitForCall({ interactionId: press.id });
    expect(ack.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringContaining('👍 is recorded') });

    const votes = await server.db.query<{ user_id: string; vote: string }>('SELECT user_id, vote FROM feedback WHERE answer_id = $1', [answerId]);
    expect(votes.rows).toEqual([{ user_id: '4242', vote: 'up' }]);
    const answers = await server.db.query<{ question: string; source: string }>('SELECT question, source FROM answers WHERE id = $1', [answerId]);
    expect(answers.rows).toEqual([{ question: 'What does FaMUS approximate to save training time?', source: 'slash' }]);
  });

  it('while PostgreSQL restarts, a question and a 👍 get the one-sentence database error; once it is back, the next ones work', async () => {
    const { final } = await askSlash(h.fake, 'How does VaSSO stabilize the adversary?');
    const { customId, answerId, messageId } = upButton(final);

    await server.stop();
    try {
      // /ask without private: reads the server's settings (PostgreSQL) before anything else.
      const asked = await h.fake.interaction({ name: 'ask', options: { question: 'What is FaMUS?' } });
      const refused = await h.fake.waitForCall({ interactionId: asked.id });
      expect(refused.message).toMatchObject({ flags: MessageFlags.Ephemeral });
      // Refused when the pool connects anew; "closed" when it hands out a connection the restart already cut.
      expect(refused.message?.content).toMatch(/^The database is unreachable \((connection refused|the connection was closed)\): check that PostgreSQL is running and DATABASE_URL is right; the next operation connects again\.$/);

      const pressed = await h.fake.interaction({ type: InteractionType.MessageComponent, customId, messageId, user: { id: '4343', username: 'dave' } });
      const failed = await h.fake.waitForCall({ interactionId: pressed.id });
      expect(failed.message?.content).toMatch(/^The database is unreachable/);
      expect(failed.message?.content).not.toContain('127.0.0.1');
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
