/**
 * "Ask paperbot" (message context menu) end to end: the real discord.js client against the fake Discord,
 * the real assistant and the fake OpenAI server. The target message's text comes in the interaction (the
 * bot has no Message Content intent here); the answer is private, with a button that posts it publicly in
 * a thread from that message, or says why it cannot when the bot lacks the permission.
 */
import { describe, expect, it } from 'vitest';
import { InteractionResponseType, InteractionType, MessageFlags } from 'discord.js';
import { buttonsOf, carriesFeedback, type Harness, useHarness } from './harness.ts';
import type { RecordedCall } from '../support/fake-discord.ts';
import { ABOUT_THIS, NO_TEXT_NOTICE, questionFromMessage } from '../../src/discord/commands/ask-about-message.ts';
import { readReplyChain, type ChainMessage } from '../../src/discord/conversation-history.ts';
import { PUBLISH_FORBIDDEN } from '../../src/discord/components/publish-button.ts';

let h: Harness;
const { acceptCallsSoFar } = useHarness({}, {
  started: (started) => {
    h = started;
  },
  expectedRestError: (e) => e.includes('"code":50013'),
});

/** Someone posts `content`; another member right-clicks it → Apps → Ask paperbot. */
async function askAbout(content: string, channel = 'general'): Promise<{ messageId: string; ix: { id: string }; final: RecordedCall; prompt: () => string }> {
  const channelId = h.fake.channel(channel).id;
  const posted = await h.fake.message({ content, author: { username: 'poster' }, channelId });
  await h.settle({ messageId: posted.id });
  const requestsBefore = h.llm!.requests.length;
  const ix = await h.fake.messageCommand({ name: 'Ask paperbot', targetMessageId: posted.id, channelId, user: { id: '777', username: 'reader' } });
  const final = await h.fake.waitForCall((c) => c.interactionId === ix.id && carriesFeedback(c), 8000);
  const prompt = () => JSON.stringify(h.llm!.requests.slice(requestsBefore).map((r) => r.body));
  return { messageId: posted.id, ix, final, prompt };
}

describe('Ask paperbot (message context menu)', () => {
  it('is registered as a message command, in servers, DMs with the bot and (user install) any DM', () => {
    const command = h.fake.commands('1').find((c) => c.name === 'Ask paperbot');
    expect(command).toMatchObject({ type: 3, integration_types: [0, 1], contexts: [0, 1, 2] });
  });

  it('answers a message that asks a question, privately, from the text Discord gives with the interaction', async () => {
    const { ix, final, prompt } = await askAbout('What does FaMUS approximate to save training time?');
    const deferral = h.fake.findCalls({ interactionId: ix.id })[0];
    expect(deferral?.callback?.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    expect((deferral?.callback?.data?.flags ?? 0) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect((final.response as { flags: number }).flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(final.message?.content).toContain('Faster Meta Update Strategy for Noise-Robust Deep Learning');
    expect(prompt()).toContain('Question: What does FaMUS approximate to save training time?');
    expect(buttonsOf(final).find((b) => b.custom_id?.startsWith('publish:'))?.label).toBe('Post in a thread');
  });

  it('asks what the papers say about a message that is not a question (a claim, a link)', async () => {
    const claim = await askAbout('Variance suppression makes sharpness-aware minimization generalize better.');
    expect(claim.prompt()).toContain(`Question: ${ABOUT_THIS}`);
    expect(claim.prompt()).toContain('Variance suppression makes sharpness-aware minimization generalize better.');
    expect(claim.final.message?.content).toContain('Enhancing Sharpness-Aware Optimization Through Variance Suppression');

    const link = await askAbout('https://openaccess.thecvf.com/content/CVPR2021/html/Xu_Faster_Meta_Update_Strategy_for_Noise-Robust_Deep_Learning_CVPR_2021_paper.html');
    expect(link.prompt()).toContain(`Question: ${ABOUT_THIS}`);
    expect(link.final.message?.content).toContain('Faster Meta Update Strategy for Noise-Robust Deep Learning');
  });

  it('says so, privately, when the message has no text', async () => {
    const channelId = h.fake.channel('general').id;
    const posted = await h.fake.message({ content: '', author: { username: 'poster' }, channelId });
    const ix = await h.fake.messageCommand({ name: 'Ask paperbot', targetMessageId: posted.id, channelId });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    expect(reply.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: NO_TEXT_NOTICE });
  });

  it('"Post in a thread" posts the answer publicly in a thread started from the message', async () => {
    const { messageId, final } = await askAbout('How does VaSSO stabilize the adversary?');
    const publish = buttonsOf(final).find((b) => b.custom_id?.startsWith('publish:'))!;
    const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: publish.custom_id!, messageId: (final.response as { id: string }).id, user: { id: '777', username: 'reader' } });
    const done = await h.fake.waitForCall((c) => c.interactionId === press.id && c.method === 'PATCH', 8000);
    const thread = h.fake.findCalls({ route: 'POST /channels/:channelId/messages/:messageId/threads' }).find((c) => c.params.messageId === messageId);
    expect(thread?.status).toBe(201);
    const threadId = (thread?.response as { id: string }).id;
    expect(done.message?.content).toBe(`Posted in <#${threadId}>.`);
    const posted = h.fake.messagesIn(threadId);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.content).toMatch(/^-# <@777> asked paperbot about https:\/\/discord\.com\/channels\/1\//);
    expect(posted[0]?.content).toContain('Enhancing Sharpness-Aware Optimization Through Variance Suppression');
    expect(posted[0]?.mentions).toEqual([]);
    expect(JSON.stringify(posted[0]?.components)).toContain('"custom_id":"feedback:up:');
  });

  it('tells the presser, privately, when the bot may not post in the channel, and posts nothing', async () => {
    const { messageId, final } = await askAbout('What is VaSSO?', 'random');
    const channelId = h.fake.channel('random').id;
    const publish = buttonsOf(final).find((b) => b.custom_id?.startsWith('publish:'))!;
    h.fake.failChannel(channelId, { status: 403, code: 50013, message: 'Missing Permissions' });
    try {
      const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: publish.custom_id!, messageId: (final.response as { id: string }).id, channelId });
      const done = await h.fake.waitForCall((c) => c.interactionId === press.id && c.method === 'PATCH', 8000);
      expect(done.message?.content).toBe(PUBLISH_FORBIDDEN);
      expect(h.fake.findCalls({ route: 'POST /channels/:channelId/messages/:messageId/threads' }).some((c) => c.params.messageId === messageId && c.status < 400)).toBe(false);
    } finally {
      h.fake.failChannel(channelId, null);
    }
  });
});

describe('Ask paperbot in a DM with the bot', () => {
  it('answers privately there too, and "Post in a thread" posts the answer as a reply to the message', async () => {
    const user = { id: '888', username: 'dm-reader' };
    const posted = await h.fake.message({ content: 'VaSSO stabilizes the adversary of sharpness-aware minimization.', author: user, dm: true });
    await h.settle({ messageId: posted.id });
    const ix = await h.fake.messageCommand({ name: 'Ask paperbot', targetMessageId: posted.id, dm: true, user });
    const final = await h.fake.waitForCall((c) => c.interactionId === ix.id && carriesFeedback(c), 8000);
    expect((final.response as { flags: number }).flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    const publish = buttonsOf(final).find((b) => b.custom_id?.startsWith('publish:'))!;
    const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: publish.custom_id!, messageId: (final.response as { id: string }).id, dm: true, user });
    const done = await h.fake.waitForCall((c) => c.interactionId === press.id && c.method === 'PATCH', 8000);
    expect(done.message?.content).toBe(`Posted in <#${posted.channelId}>.`);
    const reply = h.fake.messagesIn(posted.channelId).find((m) => m.message_reference?.message_id === posted.id && m.author.id === h.fake.botUser.id && m.content.includes('asked paperbot about'));
    expect(reply?.content).toContain('https://discord.com/channels/@me/');
    expect(reply?.content).toContain('Enhancing Sharpness-Aware Optimization Through Variance Suppression');
  });
});

describe('questionFromMessage (the rule for "is it a question")', () => {
  it('takes a short text ending in "?" or starting with a question word as the question', () => {
    expect(questionFromMessage('<@123> how does FaMUS work', 1000)).toEqual({ question: 'how does FaMUS work', isQuestion: true });
    expect(questionFromMessage('FaMUS, really?', 1000)?.isQuestion).toBe(true);
  });

  it('asks about a claim, a pasted abstract or a link, within the length limit', () => {
    const abstract = `${'We propose a method that works. '.repeat(40)}Does it?`;
    const asked = questionFromMessage(abstract, 200)!;
    expect(asked.isQuestion).toBe(false);
    expect(asked.question.startsWith(`${ABOUT_THIS}\n\n> We propose`)).toBe(true);
    expect(asked.question.length).toBeLessThanOrEqual(200);
    expect(questionFromMessage('https://example.org/papers/label-noise-meta-learning', 1000)).toMatchObject({ isQuestion: false, retrievalQuery: 'example org papers label noise meta learning' });
    expect(questionFromMessage('   ', 1000)).toBeNull();
  });
});

describe('reply chains: a mention that replies to a message has that chain as context', () => {
  /** The chat messages of the LLM request made for `messageId`'s answer. */
  async function answerTo(messageId: string): Promise<{ messages: Array<{ role: string; content: string }>; answer: RecordedCall }> {
    const answer = await h.fake.waitForCall((c) => c.route === 'POST /channels/:channelId/messages' && (c.message?.message_reference?.message_id === messageId) && carriesFeedback(c), 8000);
    const request = h.llm!.requests.at(-1);
    if (request === undefined) throw new Error(`no LLM request; the answer: ${answer.message?.content ?? ''}`);
    return { messages: (request.body as { messages: Array<{ role: string; content: string }> }).messages, answer };
  }

  it('uses the replied-to answer and the question above it, read back from Discord, like a follow-up', async () => {
    // In someone else's thread the bot answers in place, as a reply: a chain of replies grows there.
    const thread = await h.fake.createThread({ name: 'reading group' });
    const first = await h.fake.message({ content: 'What does FaMUS approximate to save training time?', mentionsBot: true, channelId: thread.id });
    const { answer } = await answerTo(first.id);
    const answerId = (answer.response as { id: string }).id;
    const followUp = await h.fake.message({ content: 'and how much time does it save?', mentionsBot: true, channelId: thread.id, replyTo: answerId });
    const { messages } = await answerTo(followUp.id);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[1]?.content).toBe('What does FaMUS approximate to save training time?');
    expect(messages[2]?.content).toContain('According to the passages');
    expect(messages[2]?.content).not.toContain('**Sources**');
    expect(messages[3]?.content).toContain('Question: and how much time does it save?');
  });

  it('answers without context when the replied-to message was deleted, and never reads past the bound', async () => {
    const thread = await h.fake.createThread({ name: 'another group' });
    const gone = await h.fake.message({ content: 'a message about to be deleted', channelId: thread.id });
    // Deleted while someone was writing a reply to it: the reply still references it.
    await h.fake.deleteUserMessage(thread.id, gone.id);
    const reply = await h.fake.message({ content: 'What is VaSSO?', mentionsBot: true, channelId: thread.id, replyTo: gone.id });
    const { messages } = await answerTo(reply.id);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    // The 404 of the deleted message is the expected one.
    acceptCallsSoFar();

    const chain: Record<string, ChainMessage> = {};
    for (let i = 1; i <= 9; i++) chain[String(i)] = { authorId: 'u', authorIsBot: false, content: `m${i}`, createdAt: i, repliesTo: i > 1 ? String(i - 1) : null };
    const reads: string[] = [];
    const read = await readReplyChain('9', async (id) => (reads.push(id), chain[id] ?? null), 5);
    expect(read.map((m) => m.content)).toEqual(['m5', 'm6', 'm7', 'm8', 'm9']);
    expect(reads).toEqual(['9', '8', '7', '6', '5']);
  });
});
