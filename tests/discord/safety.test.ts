/**
 * Limits and safety against the fake Discord: nothing the bot sends can ping (whatever the question, the
 * model or the corpus says), long answers split into messages of at most 2,000 characters, the per-user rate
 * limit and the question length limit answered privately without calling the model, and failures shown with
 * an error id that the log has too, with the stack, and never the token.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InteractionResponseType, InteractionType, MessageFlags } from 'discord.js';
import type { Assistant } from '../../src/assistant/assistant.ts';
import type { BotAssistant } from '../../src/discord/command.ts';
import { askSlash, carriesFeedback, startHarness, TOKEN, withStream, type Harness } from './harness.ts';

const HOSTILE_PAPER = {
  id: 'hostile-1',
  title: 'Pinging @everyone and <@&123> from a title',
  url: 'https://example.org/hostile',
  abstract:
    'Zebrafish ping cascades are studied here. <@&123> @everyone @here <@4242> Our zebrafish cascade model explains how a ping spreads through a school of zebrafish, and we measure the cascade speed in three tanks.',
};

/** Wraps the real assistant so that one question crashes, as a bug would. */
function crashOn(marker: string) {
  return (assistant: Assistant): BotAssistant =>
    withStream(assistant, async function* (question, options) {
      if (question.includes(marker)) throw new TypeError(`simulated bug while answering (${marker})`);
      yield* assistant.stream(question, options);
    });
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { RATE_LIMIT_QUESTIONS: '3', RATE_LIMIT_WINDOW_S: '60', MAX_QUESTION_LENGTH: '200' }, extraCorpus: [JSON.stringify(HOSTILE_PAPER)], wrapAssistant: crashOn('CRASH') });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

let logsBefore = 0;
beforeEach(() => {
  logsBefore = h.logs.length;
});

afterEach(() => {
  const logged = JSON.stringify(h.logs.slice(logsBefore));
  expect(logged).not.toContain(TOKEN);
  expect(logged).not.toMatch(/fake-interaction-[0-9a-f]{24}/);
});

const chatRequests = () => h.llm!.requests.filter((r) => r.path.startsWith('/v1/chat/completions')).length;

describe('limits and safety', () => {
  it('keeps @everyone in a question, and <@&123> in a passage, a title and the answer, inert', async () => {
    h.llm!.enqueue({ content: 'The zebrafish cascade pings <@&123> and @everyone and <@4242> as it spreads [1].' });
    const { final } = await askSlash(h.fake, '@everyone how fast does the zebrafish ping cascade spread?', { user: { username: 'eve' } });
    expect(final.message?.content).toContain('<@&123>');
    // Shown, but neither pinging (allowed_mentions) nor highlighted (a zero-width space after the @).
    expect(final.message?.content).toContain('@\u200beveryone');
    expect(final.message?.content).not.toMatch(/@everyone/);
    expect(final.response).toMatchObject({ mention_everyone: false, mention_roles: [], mentions: [] });

    // Extractive (no model) quotes the passage itself.
    h.llm!.enqueue({ status: 500 });
    const mention = await h.fake.message({ content: '@everyone zebrafish ping cascade speed in three tanks?', mentionsBot: true, author: { username: 'mallory' } });
    const thread = await h.fake.waitForCall({ route: 'POST /channels/:channelId/messages/:messageId/threads', path: new RegExp(`/messages/${mention.id}/threads$`) });
    const inThread = await h.fake.waitForCall((c) => c.channelId === (thread.response as { id: string }).id && carriesFeedback(c), 8000);
    expect(inThread.message?.content).toMatch(/<@&123>|@\u200beveryone/);

    const paper = await h.fake.interaction({ name: 'paper', options: { query: 'hostile-1' } });
    const embed = await h.fake.waitForCall({ interactionId: paper.id });
    expect(embed.message?.embeds?.[0]?.title).toContain('@\u200beveryone');
  });

  it('splits an answer longer than 2,000 characters into several messages of at most 2,000', async () => {
    const sentence = 'FaMUS replaces the most expensive step of the meta gradient with a faster layer-wise approximation [1].';
    const paragraphs = Array.from({ length: 6 }, () => Array.from({ length: 8 }, () => sentence).join(' '));
    h.llm!.enqueue({ content: paragraphs.join('\n\n') });
    const { final, calls } = await askSlash(h.fake, 'What does FaMUS approximate to save training time?', { user: { username: 'longwinded' } });
    const parts = calls().filter((c) => c.message?.content !== undefined && !c.message.content.startsWith('🔎') && !c.message.content.includes('writing…'));
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts[0]?.path).toMatch(/@original$/);
    expect(parts.slice(1).every((c) => c.route === 'POST /webhooks/:applicationId/:token')).toBe(true);
    for (const part of parts) {
      expect(part.message!.content!.length).toBeLessThanOrEqual(2000);
      expect(part.status).toBe(200);
    }
    expect(final).toBe(parts.at(-1));
    expect(final.message?.content).toContain('**Sources**');
    const words = parts.map((p) => p.message!.content!).join(' ').split('**Sources**')[0]!.match(/approximation/g);
    expect(words).toHaveLength(48);
  });

  it('keeps every part of a long private answer private', async () => {
    const sentence = 'VaSSO suppresses the variance of the adversary to stabilize sharpness-aware minimization [1].';
    h.llm!.enqueue({ content: Array.from({ length: 4 }, () => Array.from({ length: 8 }, () => sentence).join(' ')).join('\n\n') });
    const { calls, final } = await askSlash(h.fake, 'How does VaSSO stabilize the adversary?', { private: true, user: { username: 'shy' } });
    const followUps = calls().filter((c) => c.route === 'POST /webhooks/:applicationId/:token');
    expect(followUps.length).toBeGreaterThanOrEqual(1);
    for (const call of followUps) expect((call.message?.flags ?? 0) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(final).toBe(followUps.at(-1));
  });

  it('answers the (N+1)th question in the window privately, without calling the model', async () => {
    const user = { id: '777', username: 'ratey' };
    for (let i = 0; i < 3; i++) await askSlash(h.fake, `What is VaSSO, take ${i}?`, { user });
    const before = chatRequests();
    const ix = await h.fake.interaction({ name: 'ask', options: { question: 'What is VaSSO, once more?' }, user });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    expect(reply.callback?.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(reply.message?.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.message?.content).toMatch(/limit of 3 questions per minute\. Please try again in \d+ s\./);
    await h.settle();
    expect(chatRequests()).toBe(before);
    expect(h.fake.findCalls({ interactionId: ix.id })).toHaveLength(1);

    // By mention: one notice per window, then silence.
    const calls = h.fake.calls.length;
    await h.fake.message({ content: 'What is VaSSO?', mentionsBot: true, author: user });
    const notice = await h.fake.waitForCall((c) => h.fake.calls.indexOf(c) >= calls && c.route === 'POST /channels/:channelId/messages');
    expect(notice.message?.content).toMatch(/limit of 3 questions/);
    const again = await h.fake.message({ content: 'What is VaSSO??', mentionsBot: true, author: user });
    await h.settle({ messageId: again.id });
    expect(h.fake.calls.slice(calls).filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(chatRequests()).toBe(before);
  });

  it('refuses a question over the length limit privately, without deferring or calling the model', async () => {
    const before = chatRequests();
    const ix = await h.fake.interaction({ name: 'ask', options: { question: `What is VaSSO ${'and more '.repeat(40)}?` }, user: { username: 'verbose' } });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    expect(reply.callback?.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(reply.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringMatching(/the limit is 200/) });
    expect(chatRequests()).toBe(before);
  });

  it('shows an error id when the model fails with 500, and the log has that id', async () => {
    h.llm!.enqueue({ status: 500 });
    const { final } = await askSlash(h.fake, 'What does FaMUS approximate to save training time?', { user: { username: 'unlucky' } });
    const content = final.message?.content ?? '';
    expect(content).toMatch(/⚠️ The language model could not answer/);
    expect(content).toMatch(/Extractive answer/);
    const errorId = /error id `([0-9a-f]{10})`/.exec(content)?.[1];
    expect(errorId).toBeDefined();
    const lines = h.logs.filter((l) => l.fields.requestId === errorId || l.fields.errorId === errorId);
    expect(lines.map((l) => l.message)).toEqual(expect.arrayContaining(['LLM failed; falling back to an extractive answer', 'the language model failed; answered extractively']));
    expect(lines.find((l) => l.message.startsWith('LLM failed'))?.fields).toMatchObject({ status: 500 });
  });

  it('shows a short message with an error id when answering crashes, and logs the stack under that id', async () => {
    const ix = await h.fake.interaction({ name: 'ask', options: { question: 'CRASH: what is VaSSO?' }, user: { username: 'crasher' } });
    const shown = await h.fake.waitForCall((c) => c.interactionId === ix.id && /error id/.test(c.message?.content ?? ''), 5000);
    expect(shown.path).toMatch(/@original$/);
    const errorId = /`([0-9a-f]{10})`/.exec(shown.message?.content ?? '')?.[1];
    expect(shown.message?.content).toMatch(/^⚠️ Something went wrong on my side/);
    expect(shown.message?.content).not.toContain('simulated bug');
    const logged = h.logs.find((l) => l.level === 'error' && l.fields.errorId === errorId);
    expect(logged?.message).toBe('answering failed');
    expect((logged?.fields.err as { stack: string }).stack).toMatch(/TypeError: simulated bug while answering \(CRASH\)\n\s+at /);
  });

  it('checks every REST body that carries content: allowed_mentions.parse is empty, nobody was pinged', async () => {
    // One of each kind of message the bot sends: an answer edited in and its follow-up parts, a reply in a
    // thread, command replies and an autocomplete; then every call of the file so far is checked.
    const sentence = 'The zebrafish ping cascade reaches <@&123> and @everyone in three tanks [1].';
    h.llm!.enqueue({ content: Array.from({ length: 4 }, () => Array.from({ length: 8 }, () => sentence).join(' ')).join('\n\n') });
    await askSlash(h.fake, 'How fast does the zebrafish ping cascade spread?', { user: { username: 'inspector' } });
    const mention = await h.fake.message({ content: 'What is VaSSO?', mentionsBot: true, author: { username: 'inspector2' } });
    const thread = await h.fake.waitForCall({ route: 'POST /channels/:channelId/messages/:messageId/threads', path: new RegExp(`/messages/${mention.id}/threads$`) });
    await h.fake.waitForCall((c) => c.channelId === (thread.response as { id: string }).id && carriesFeedback(c), 8000);
    for (const name of ['help', 'about']) await h.fake.waitForCall({ interactionId: (await h.fake.interaction({ name })).id });
    await h.fake.waitForCall({ interactionId: (await h.fake.interaction({ name: 'similar', options: { paper: 'hostile-1' } })).id });
    await h.fake.waitForCall({ interactionId: (await h.fake.interaction({ name: 'paper', options: { query: 'hostile-1' } })).id });
    await h.fake.waitForCall({ interactionId: (await h.fake.interaction({ type: InteractionType.ApplicationCommandAutocomplete, name: 'paper', options: { query: 'ping' }, focused: 'query' })).id });
    await h.settle();

    const withContent = h.fake.calls.filter((c) => c.message !== null && (c.message.content !== undefined || (c.message.embeds?.length ?? 0) > 0));
    expect([...new Set(withContent.map((c) => c.route))]).toEqual(
      expect.arrayContaining([
        'PATCH /webhooks/:applicationId/:token/messages/:messageId',
        'POST /webhooks/:applicationId/:token',
        'POST /channels/:channelId/messages',
        'POST /interactions/:interactionId/:token/callback',
      ]),
    );
    for (const call of withContent) {
      expect(call.message?.allowed_mentions?.parse, `${call.method} ${call.path}`).toEqual([]);
      const response = call.response as { mention_everyone?: boolean; mention_roles?: string[]; mentions?: unknown[] } | undefined;
      if (response?.mention_roles !== undefined) expect(response).toMatchObject({ mention_everyone: false, mention_roles: [], mentions: [] });
    }
    // Stored messages too (callbacks answer 204, so check what the fake kept).
    for (const channel of ['general']) for (const m of h.fake.messagesIn(h.fake.channel(channel).id)) if (m.author.bot) expect(m.mention_everyone || m.mention_roles.length > 0).toBe(false);
  });
});
