import { describe, expect, it } from 'vitest';
import { routeMessage, threadName, type MessageFacts } from './conversation.ts';
import { answerText, compareMessageIds, historyFromMessages, stripBotMention, type HistoryMessage } from './conversation-history.ts';

const facts = (overrides: Partial<MessageFacts>): MessageFacts => ({
  authorIsBot: false,
  isSystem: false,
  isDm: false,
  inOwnThread: false,
  threadUnavailable: false,
  mentionsBot: false,
  messageContent: false,
  ...overrides,
});

describe('routeMessage', () => {
  it('ignores bots (itself included) and system messages, even when they mention it', () => {
    expect(routeMessage(facts({ authorIsBot: true, mentionsBot: true }))).toBe('ignore');
    expect(routeMessage(facts({ authorIsBot: true, isDm: true }))).toBe('ignore');
    expect(routeMessage(facts({ isSystem: true, mentionsBot: true }))).toBe('ignore');
  });

  it('answers DMs, and mentions in a new thread (in place where a thread cannot be started)', () => {
    expect(routeMessage(facts({ isDm: true }))).toBe('dm');
    expect(routeMessage(facts({ mentionsBot: true }))).toBe('new-thread');
    expect(routeMessage(facts({ mentionsBot: true, threadUnavailable: true }))).toBe('in-place');
    expect(routeMessage(facts({}))).toBe('ignore');
  });

  it('in its own threads, needs a mention only without the Message Content intent', () => {
    expect(routeMessage(facts({ inOwnThread: true, threadUnavailable: true }))).toBe('ignore');
    expect(routeMessage(facts({ inOwnThread: true, threadUnavailable: true, mentionsBot: true }))).toBe('follow-up');
    expect(routeMessage(facts({ inOwnThread: true, threadUnavailable: true, messageContent: true }))).toBe('follow-up');
  });
});

describe('threadName', () => {
  it('is one line of 1 to 100 characters without mentions', () => {
    expect(threadName('What is\nVaSSO?')).toBe('What is VaSSO?');
    expect(threadName('<@123> <@&5> @everyone what is VaSSO?')).toBe('everyone what is VaSSO?');
    expect(threadName('x '.repeat(200)).length).toBeLessThanOrEqual(100);
    expect(threadName('<@123>')).toBe('Question');
  });
});

const BOT = '999';
const user = (content: string, createdAt = 0): HistoryMessage => ({ authorId: '1', authorIsBot: false, content, createdAt });
const bot = (content: string, createdAt = 0): HistoryMessage => ({ authorId: BOT, authorIsBot: true, content, createdAt });

describe('historyFromMessages', () => {
  it('turns questions and answers into chat turns, without sources, notes, citations or the mention', () => {
    const turns = historyFromMessages(
      [user(`<@${BOT}> What is VaSSO?`), bot('VaSSO suppresses variance [1][2].\n\n-# Extractive answer: …\n\n**Sources**\n`[1]` **A** — `x:1`')],
      { botId: BOT, maxTurns: 3 },
    );
    expect(turns).toEqual([
      { role: 'user', content: 'What is VaSSO?' },
      { role: 'assistant', content: 'VaSSO suppresses variance.' },
    ]);
  });

  it('joins a split answer, skips notices and other bots, keeps the last turns and starts with a question', () => {
    const messages = [
      user('q1'),
      bot('a1'),
      user('q2'),
      bot('🔎 Found 6 relevant passages in 4 papers; writing the answer…'),
      bot('a2 part one'),
      bot('a2 part two'),
      { authorId: '55', authorIsBot: true, content: 'another bot', createdAt: 0 },
      user('q3'),
      bot('⚠️ Something went wrong on my side. … `abc`'),
      user('q4'),
      bot('a4'),
    ];
    expect(historyFromMessages(messages, { botId: BOT, maxTurns: 2 })).toEqual([
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: 'a2 part one\n\na2 part two' },
      { role: 'user', content: 'q3\n\nq4' },
      { role: 'assistant', content: 'a4' },
    ]);
    // Cut in the middle of an exchange: never start with an answer.
    expect(historyFromMessages(messages.slice(1), { botId: BOT, maxTurns: 5 })[0]).toEqual({ role: 'user', content: 'q2' });
  });

  it('skips messages before notBefore and blank ones (no Message Content intent)', () => {
    const turns = historyFromMessages([user('old', 1), bot('old answer', 2), user('', 20), user('new', 30)], { botId: BOT, maxTurns: 3, notBefore: 10 });
    expect(turns).toEqual([{ role: 'user', content: 'new' }]);
  });

  it('strips only the bot mention', () => {
    expect(stripBotMention(`<@!${BOT}>  hi <@42>`, BOT)).toBe('hi <@42>');
    expect(answerText('Plain.')).toBe('Plain.');
  });

  it('orders messages by id, which tells apart two of the same millisecond, and past 2^53', () => {
    // Same millisecond (equal bits above the 22 low ones), fetched newest first, as Discord returns them.
    const sameMs = ['1577441817794707458', '1577441817794707457', '1577441817794707456'];
    expect([...sameMs].sort(compareMessageIds)).toEqual([...sameMs].reverse());
    expect(['900', '1000', '99'].sort(compareMessageIds)).toEqual(['99', '900', '1000']);
    expect(compareMessageIds('42', '42')).toBe(0);
  });
});
