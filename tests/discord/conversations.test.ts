/**
 * Questions by message against the fake Discord: a mention answered in a thread started from it, follow-ups
 * in that thread with the previous exchange in the LLM request, DMs answered with a reply, the bot's own
 * echoed messages ignored, and what changes with the Message Content intent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelType } from 'discord.js';
import type { RecordedCall } from '../support/fake-discord.ts';
import type { RecordedRequest } from '../../src/dev/fake-openai.ts';
import { carriesFeedback, startHarness, type Harness } from './harness.ts';

const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => {
  rejections.push(reason);
};
process.on('unhandledRejection', onRejection);

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
  process.off('unhandledRejection', onRejection);
});

const inChannel = (channelId: string) => (c: RecordedCall) => c.channelId === channelId && carriesFeedback(c);
const chat = (request: RecordedRequest | undefined) => (request?.body as { messages: Array<{ role: string; content: string }> }).messages;

describe('mentions, threads and DMs', () => {
  let threadId = '';

  it('answers a mention in a thread started from the message', async () => {
    const general = h.fake.channel('general');
    const question = await h.fake.message({ content: 'What does FaMUS approximate to save training time?', mentionsBot: true });

    const start = await h.fake.waitForCall({ route: 'POST /channels/:channelId/messages/:messageId/threads' });
    expect(start.path).toBe(`/channels/${general.id}/messages/${question.id}/threads`);
    expect(start.body).toMatchObject({ name: 'What does FaMUS approximate to save training time?' });
    threadId = (start.response as { id: string }).id;

    const answer = await h.fake.waitForCall(inChannel(threadId), 8000);
    expect(answer.route).toBe('POST /channels/:channelId/messages');
    expect(answer.message?.content).toMatch(/\[1\]/);
    expect(answer.message?.content).toContain('Faster Meta Update Strategy');
    expect(answer.message?.allowed_mentions).toMatchObject({ parse: [] });
    expect(h.fake.channel(threadId)).toMatchObject({ type: ChannelType.PublicThread, owner_id: h.fake.botUser.id });
  });

  it('answers a follow-up in its thread with the previous exchange in the LLM request', async () => {
    const before = h.llm!.requests.length;
    await h.fake.message({ channelId: threadId, content: 'Which noise does it handle?', mentionsBot: true });
    await h.fake.waitForCall((c) => c.channelId === threadId && carriesFeedback(c) && (c.message?.message_reference?.message_id ?? '') !== '', 8000);
    const request = h.llm!.requests.slice(before).find((r) => r.path.startsWith('/v1/chat/completions'));
    const messages = chat(request);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[1]?.content).toBe('What does FaMUS approximate to save training time?');
    expect(messages[2]?.content).toMatch(/^According to the passages/);
    expect(messages[2]?.content).not.toMatch(/\[\d\]|Sources/);
    expect(messages[3]?.content).toMatch(/Question: Which noise does it handle\?$/);
  });

  it('without the Message Content intent, ignores a follow-up that does not mention the bot', async () => {
    const calls = h.fake.calls.length;
    const requests = h.llm!.requests.length;
    await h.fake.message({ channelId: threadId, content: 'thanks, and what about ImageNet?' });
    await sleep(300);
    expect(h.fake.calls.slice(calls).filter((c) => c.method !== 'GET')).toEqual([]);
    expect(h.llm!.requests.length).toBe(requests);
  });

  it('ignores messages that do not mention it, outside its threads', async () => {
    const calls = h.fake.calls.length;
    await h.fake.message({ content: 'What does FaMUS approximate?' });
    await sleep(200);
    expect(h.fake.calls.slice(calls)).toEqual([]);
  });

  it('answers a DM with a reply', async () => {
    const dm = await h.fake.message({ dm: true, content: 'What is VaSSO?' });
    const reply = await h.fake.waitForCall(inChannel(dm.channelId), 8000);
    expect(reply.message?.message_reference?.message_id).toBe(dm.id);
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

  it('never answers itself: every question got exactly one answer although Discord echoes the bot', async () => {
    await sleep(300);
    const answers = h.fake.findCalls(carriesFeedback);
    expect(answers).toHaveLength(4);
    const asked = h.llm!.requests.filter((r) => r.path.startsWith('/v1/chat/completions'));
    expect(asked).toHaveLength(4);
  });

  it('with the Message Content intent, answers a follow-up in its thread without a mention', async () => {
    await h.bot.shutdown();
    const withContent = await h.startBot({ messageContent: true });
    const identify = h.fake.gatewayLog.filter((f) => f.op === 2).at(-1)?.d as { intents: number };
    expect(identify.intents & (1 << 15)).toBe(1 << 15);
    expect(withContent.client.isReady()).toBe(true);

    const before = h.llm!.requests.length;
    const followUp = await h.fake.message({ channelId: threadId, content: 'And how much training time does it save?' });
    const reply = await h.fake.waitForCall((c) => inChannel(threadId)(c) && c.message?.message_reference?.message_id === followUp.id, 8000);
    expect(reply.message?.content).toMatch(/\[\d\]/);
    const messages = chat(h.llm!.requests.slice(before).find((r) => r.path.startsWith('/v1/chat/completions')));
    // The thread so far, read back from Discord: now the message that was ignored is context too.
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user', 'user']);
    expect(messages[1]?.content).toBe('What does FaMUS approximate to save training time?');
    expect(messages[3]?.content).toBe('Which noise does it handle?');
    expect(messages[5]?.content).toBe('thanks, and what about ImageNet?');
  });

  it('saw no unhandled promise rejection and no REST error', () => {
    expect(rejections).toEqual([]);
    expect(h.fake.calls.filter((c) => c.status >= 400).map((c) => `${c.method} ${c.path} ${c.status} ${JSON.stringify(c.response)}`)).toEqual([]);
  });
});
