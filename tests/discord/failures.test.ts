/**
 * Discord failures a person would otherwise never hear about, against the fake Discord with the real
 * discord.js client: a channel where the bot may not post in threads (answered in place) or may not post
 * at all (nothing sent, one warning per channel), a public answer Discord refuses to post (told privately),
 * a follow-up that fails after the first part was delivered (the part stays, a notice follows), and a reply
 * to the bot's message, which Discord lists as a mention but is not one; and a global 429 on the answer,
 * which discord.js waits out.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MessageFlags, OverwriteType, PermissionFlagsBits, type APIOverwrite } from 'discord.js';
import type { RecordedCall } from '../support/fake-discord.ts';
import { RecordingChatModel } from '../support/recording-chat-model.ts';
import { askSlash, carriesFeedback, restErrors, startHarness, type Harness } from './harness.ts';

/** Long enough for two messages (Discord allows 2,000 characters in one). */
const LONG_ANSWER = Array.from({ length: 30 }, (_, i) => `Sentence ${i + 1} about the meta update of FaMUS, which approximates the gradient cheaply [1].`).join(' ');

let h: Harness;
let callsBefore = 0;

beforeAll(async () => {
  const model = new RecordingChatModel({ reply: (call) => (call.messages.some((m) => m.content.includes('LONG')) ? LONG_ANSWER : 'FaMUS approximates the meta gradient [1].') });
  h = await startHarness({ chatModel: model, env: { RATE_LIMIT_QUESTIONS: '100' } });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  await h.settle();
  callsBefore = h.fake.calls.length;
});

const since = (): RecordedCall[] => h.fake.calls.slice(callsBefore);
const botRoleId = (): string => h.fake.guilds[0]!.roles[1]!.id;
const denyBot = (deny: bigint): APIOverwrite[] => [{ id: botRoleId(), type: OverwriteType.Role, allow: '0', deny: deny.toString() }];

describe('permissions in the channel', () => {
  it('answers a mention in place, as a reply, when the bot may not post in threads', async () => {
    const general = h.fake.channel('general');
    await h.fake.setPermissionOverwrites(general.id, denyBot(PermissionFlagsBits.SendMessagesInThreads));
    try {
      const question = await h.fake.message({ content: 'What does FaMUS approximate?', mentionsBot: true });
      const answer = await h.fake.waitForCall((c) => c.channelId === general.id && carriesFeedback(c), 8000);
      await h.settle();
      expect(answer.message?.message_reference?.message_id).toBe(question.id);
      expect(answer.message?.content).toContain('FaMUS approximates');
      expect(h.fake.findCalls({ route: 'POST /channels/:channelId/messages/:messageId/threads' }).filter((c) => since().includes(c))).toEqual([]);
      expect(restErrors(since())).toEqual([]);
    } finally {
      await h.fake.setPermissionOverwrites(general.id, []);
    }
  });

  it('sends nothing where the bot may not post at all, and says so in the log once per channel', async () => {
    const random = h.fake.channel('random');
    await h.fake.setPermissionOverwrites(random.id, denyBot(PermissionFlagsBits.SendMessages | PermissionFlagsBits.SendMessagesInThreads));
    try {
      const logsBefore = h.logs.length;
      for (const content of ['What does FaMUS approximate?', 'And VaSSO?']) {
        const message = await h.fake.message({ channelId: random.id, content, mentionsBot: true });
        await h.settle({ messageId: message.id });
      }
      expect(since().filter((c) => c.method !== 'GET')).toEqual([]);
      const warnings = h.logs.slice(logsBefore).filter((l) => l.level === 'warn' && l.fields.channelId === random.id);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toMatch(/may not post.*Send Messages/);
    } finally {
      await h.fake.setPermissionOverwrites(random.id, []);
    }
  });

  it('tells the asker of a public /ask privately when Discord refuses to post the answer (403 50013)', async () => {
    h.fake.failNext((c) => c.route === 'PATCH /webhooks/:applicationId/:token/messages/:messageId' && carriesFeedback(c), { status: 403, code: 50013, message: 'Missing Permissions' }, 2);
    const ix = await h.fake.interaction({ name: 'ask', options: { question: 'What does FaMUS approximate?' } });
    const notice = await h.fake.waitForCall((c) => c.interactionId === ix.id && c.route === 'POST /webhooks/:applicationId/:token', 8000);
    expect(notice.status).toBe(200);
    expect((notice.message?.flags ?? 0) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(notice.message?.content).toMatch(/could not post the answer in this channel.*private: True/);
  });
});

describe('rate limits', () => {
  it('delivers a mention\'s answer after Discord rate-limits its post (global 429 with retry_after)', async () => {
    h.fake.rateLimit((c) => c.route === 'POST /channels/:channelId/messages' && carriesFeedback(c), { retryAfterS: 0.1, global: true });
    const question = await h.fake.message({ content: 'What does FaMUS approximate?', mentionsBot: true });
    const answer = await h.fake.waitForCall((c) => c.route === 'POST /channels/:channelId/messages' && carriesFeedback(c) && c.status === 200 && h.fake.calls.indexOf(c) >= callsBefore, 8000);
    await h.settle();
    expect(answer.message?.content).toContain('FaMUS approximates');
    expect(since().filter((c) => c.status === 429)).toHaveLength(1);
    expect(h.fake.channel(answer.channelId!)).toMatchObject({ id: question.id });
  });
});

describe('a part of the answer already delivered', () => {
  it('stays when the follow-up with the rest fails (REST 500); a notice follows it', async () => {
    h.fake.failNext((c) => c.route === 'POST /webhooks/:applicationId/:token', { status: 500, code: 0, message: '500: Internal Server Error' });
    const ix = await h.fake.interaction({ name: 'ask', options: { question: 'LONG: what does FaMUS approximate?' } });
    const notice = await h.fake.waitForCall((c) => c.interactionId === ix.id && c.route === 'POST /webhooks/:applicationId/:token' && c.status === 200, 8000);
    await h.settle();
    expect(notice.message?.content).toMatch(/rest of this answer could not be posted.*error id/);
    const original = h.fake.findCalls({ interactionId: ix.id, route: 'PATCH /webhooks/:applicationId/:token/messages/:messageId' }).at(-1);
    expect(original?.message?.content).toContain('Sentence 1 about the meta update');
    expect(original?.message?.content).not.toMatch(/went wrong|could not be posted/);
  });
});

describe('replies', () => {
  it('does not take a reply to its own message for a mention', async () => {
    const { final } = await askSlash(h.fake, 'What does FaMUS approximate?');
    await h.settle();
    const botMessageId = (final.response as { id: string }).id;
    callsBefore = h.fake.calls.length;
    const reply = await h.fake.message({ content: 'thanks, that helps', replyTo: botMessageId });
    await h.settle({ messageId: reply.id });
    expect(since()).toEqual([]);
  });
});
