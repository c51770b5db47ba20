/**
 * Questions by message against the fake Discord: a mention answered in a thread started from it, follow-ups
 * in that thread with the previous exchange in the LLM request, DMs answered with a reply, the bot's own
 * echoed messages ignored, and what changes with the Message Content intent. Each test starts the threads
 * it talks in, so the tests hold in any order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelType } from 'discord.js';
import type { DispatchedMessage, RecordedCall } from '../support/fake-discord.ts';
import type { RecordedRequest } from '../../src/dev/fake-openai.ts';
import { carriesFeedback, type Harness, useHarness } from './harness.ts';

let h: Harness;
useHarness(
  // Each test starts its own threads, so one user asks more than the default limit of questions a minute.
  { env: { RATE_LIMIT_QUESTIONS: '100' } },
  {
    started: (started) => {
      h = started;
    },
    // What an earlier test left running would otherwise land among this test's calls.
    beforeEachTest: (started) => started.settle(),
  },
);

const FIRST_QUESTION = 'What does FaMUS approximate to save training time?';
const inChannel = (channelId: string) => (c: RecordedCall) => c.channelId === channelId && carriesFeedback(c);
/** The answer to one message (a DM channel or a thread holds the answers of other tests too). */
const answerTo = (message: DispatchedMessage) => (c: RecordedCall) => inChannel(message.channelId)(c) && c.message?.message_reference?.message_id === message.id;
const chat = (request: RecordedRequest | undefined) => (request?.body as { messages: Array<{ role: string; content: string }> }).messages;
const chatRequests = () => h.llm!.requests.filter((r) => r.path.startsWith('/v1/chat/completions'));

/** Mentions the bot in #general and waits for its answer in the thread it starts from that message. */
async function askByMention(content: string): Promise<{ question: DispatchedMessage; start: RecordedCall; threadId: string; answer: RecordedCall }> {
  const question = await h.fake.message({ content, mentionsBot: true });
  const start = await h.fake.waitForCall({ route: 'POST /channels/:channelId/messages/:messageId/threads', path: new RegExp(`/messages/${question.id}/threads$`) });
  const threadId = (start.response as { id: string }).id;
  const answer = await h.fake.waitForCall(inChannel(threadId), 8000);
  return { question, start, threadId, answer };
}

/** Asks in a thread (mentioning the bot unless told otherwise) and waits for the reply to that message. */
async function followUp(threadId: string, content: string, { mentionsBot = true } = {}): Promise<RecordedCall> {
  const message = await h.fake.message({ channelId: threadId, content, mentionsBot });
  return h.fake.waitForCall(answerTo(message), 8000);
}

describe('mentions, threads and DMs', () => {
  it('answers a mention in a thread started from the message', async () => {
    const general = h.fake.channel('general');
    const { question, start, threadId, answer } = await askByMention(FIRST_QUESTION);
    expect(start.path).toBe(`/channels/${general.id}/messages/${question.id}/threads`);
    expect(start.body).toMatchObject({ name: FIRST_QUESTION });
    expect(answer.route).toBe('POST /channels/:channelId/messages');
    expect(answer.message?.content).toMatch(/\[1\]/);
    expect(answer.message?.content).toContain('Faster Meta Update Strategy');
    expect(answer.message?.allowed_mentions).toMatchObject({ parse: [] });
    expect(h.fake.channel(threadId)).toMatchObject({ type: ChannelType.PublicThread, owner_id: h.fake.botUser.id });
  });

  it('answers a follow-up in its thread with the previous exchange in the LLM request', async () => {
    const { threadId } = await askByMention(FIRST_QUESTION);
    const before = h.llm!.requests.length;
    await followUp(threadId, 'Which noise does it handle?');
    const messages = chat(h.llm!.requests.slice(before).find((r) => r.path.startsWith('/v1/chat/completions')));
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[1]?.content).toBe(FIRST_QUESTION);
    expect(messages[2]?.content).toMatch(/^According to the passages/);
    expect(messages[2]?.content).not.toMatch(/\[\d\]|Sources/);
    expect(messages[3]?.content).toMatch(/Question: Which noise does it handle\?$/);
  });

  it('without the Message Content intent, ignores a follow-up that does not mention the bot', async () => {
    const { threadId } = await askByMention(FIRST_QUESTION);
    const calls = h.fake.calls.length;
    const requests = h.llm!.requests.length;
    const ignored = await h.fake.message({ channelId: threadId, content: 'thanks, and what about ImageNet?' });
    await h.settle({ messageId: ignored.id });
    expect(h.fake.calls.slice(calls).filter((c) => c.method !== 'GET')).toEqual([]);
    expect(h.llm!.requests.length).toBe(requests);
  });

  it('ignores messages that do not mention it, outside its threads', async () => {
    const calls = h.fake.calls.length;
    const ignored = await h.fake.message({ content: 'What does FaMUS approximate?' });
    await h.settle({ messageId: ignored.id });
    expect(h.fake.calls.slice(calls)).toEqual([]);
  });

  it('answers a DM with a reply', async () => {
    const dm = await h.fake.message({ dm: true, content: 'What is VaSSO?' });
    const reply = await h.fake.waitForCall(answerTo(dm), 8000);
    expect(reply.message?.content).toMatch(/\[\d\]/);
    expect(reply.message?.allowed_mentions).toMatchObject({ parse: [], replied_user: false });
  });

  it('answers a mention in a thread it does not own in place, with a reply', async () => {
    const thread = await h.fake.createThread({ name: 'reading group' });
    const question = await h.fake.message({ channelId: thread.id, content: 'What is VaSSO?', mentionsBot: true });
    const reply = await h.fake.waitForCall(inChannel(thread.id), 8000);
    expect(reply.message?.message_reference?.message_id).toBe(question.id);
    expect(h.fake.findCalls({ route: 'POST /channels/:channelId/messages/:messageId/threads', channelId: thread.id })).toEqual([]);
  });

  it('never answers itself: every question gets exactly one answer although Discord echoes the bot', async () => {
    const calls = h.fake.calls.length;
    const requests = chatRequests().length;
    const { threadId, answer } = await askByMention(FIRST_QUESTION);
    const second = await followUp(threadId, 'Which noise does it handle?');
    const dm = await h.fake.message({ dm: true, content: 'What is VaSSO?' });
    const third = await h.fake.waitForCall(answerTo(dm), 8000);
    // Discord echoes each answer back to the bot; once it has received them all and is idle, count.
    for (const posted of [answer, second, third]) await h.settle({ messageId: (posted.response as { id: string }).id });

    expect(h.fake.calls.slice(calls).filter(carriesFeedback)).toHaveLength(3);
    expect(chatRequests().length - requests).toBe(3);
  });
});

describe('with the Message Content intent', () => {
  afterEach(async () => {
    // Back to the default bot (no Message Content) for the tests that come after, in whatever order.
    await h.replaceBot();
  });

  it('answers a follow-up in its thread without a mention, with the whole thread as context', async () => {
    const { threadId } = await askByMention(FIRST_QUESTION);
    await followUp(threadId, 'Which noise does it handle?');
    const unseen = await h.fake.message({ channelId: threadId, content: 'thanks, and what about ImageNet?' });
    await h.settle({ messageId: unseen.id });

    const withContent = await h.replaceBot({ messageContent: true });
    const identify = h.fake.gatewayLog.filter((f) => f.op === 2).at(-1)?.d as { intents: number };
    expect(identify.intents & (1 << 15)).toBe(1 << 15);
    expect(withContent.client.isReady()).toBe(true);

    const before = h.llm!.requests.length;
    const reply = await followUp(threadId, 'And how much training time does it save?', { mentionsBot: false });
    expect(reply.message?.content).toMatch(/\[\d\]/);
    const messages = chat(h.llm!.requests.slice(before).find((r) => r.path.startsWith('/v1/chat/completions')));
    // The thread so far, read back from Discord: now the message that was ignored is context too.
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user', 'user']);
    expect(messages[1]?.content).toBe(FIRST_QUESTION);
    expect(messages[3]?.content).toBe('Which noise does it handle?');
    expect(messages[5]?.content).toBe('thanks, and what about ImageNet?');
  });
});
