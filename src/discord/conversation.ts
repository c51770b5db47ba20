/**
 * Questions by message. A message that mentions the bot is answered in a thread started from it (in a
 * thread that is not the bot's, in place); a DM is answered with a reply; in the bot's own threads a
 * follow-up is answered with the last few exchanges as context. Without the Message Content intent Discord
 * blanks messages that do not mention the bot, so there a follow-up must mention it too. Bots, including
 * this one (Discord echoes its own messages), are ignored.
 */
import { ChannelType, ThreadAutoArchiveDuration, type Message, type SendableChannels } from 'discord.js';
import type { ChatMessage } from '../core/answering/chat-model.ts';
import type { BotServices } from './command.ts';
import { compareMessageIds, historyFromMessages, stripBotMention, type HistoryMessage } from './conversation-history.ts';
import { channelTarget, checkQuestion, deliverAnswer, type AnswerTarget } from './deliver-answer.ts';
import { describeForLog } from '../core/redact-secrets.ts';
import { LIMITS, oneLine, truncate } from './render/limits.ts';
import { NO_PINGS } from './render/outgoing-message.ts';

export type MessageRoute = 'ignore' | 'dm' | 'follow-up' | 'new-thread' | 'in-place';

export interface MessageFacts {
  authorIsBot: boolean;
  /** System messages (joins, pins, thread created) and webhooks. */
  isSystem: boolean;
  isDm: boolean;
  /** In a thread the bot started. */
  inOwnThread: boolean;
  /** In any thread (or another channel where a thread cannot be started from a message). */
  threadUnavailable: boolean;
  /** The bot itself is mentioned (not @everyone, not a role, not a reply ping). */
  mentionsBot: boolean;
  messageContent: boolean;
}

/** Pure: which kind of answer a message gets, if any. */
export function routeMessage(f: MessageFacts): MessageRoute {
  if (f.authorIsBot || f.isSystem) return 'ignore';
  if (f.isDm) return 'dm';
  if (f.inOwnThread) return f.mentionsBot || f.messageContent ? 'follow-up' : 'ignore';
  if (!f.mentionsBot) return 'ignore';
  return f.threadUnavailable ? 'in-place' : 'new-thread';
}

/** DMs have no thread to bound a conversation: only recent messages count as context. */
const DM_CONTEXT_MS = 30 * 60_000;
/** Messages read back for context; enough for a few exchanges of long, split answers. */
const HISTORY_FETCH = 30;

export async function handleMessage(message: Message, services: BotServices, botId: string): Promise<void> {
  const channel = message.channel;
  const route = routeMessage({
    authorIsBot: message.author.bot || message.author.id === botId,
    isSystem: message.system || message.webhookId !== null,
    isDm: channel.type === ChannelType.DM,
    inOwnThread: channel.isThread() && channel.ownerId === botId,
    threadUnavailable: channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement,
    mentionsBot: message.mentions.users.has(botId),
    messageContent: services.settings.messageContent,
  });
  if (route === 'ignore' || !channel.isSendable()) return;

  const text = stripBotMention(message.content, botId);
  if (text === '') {
    await message.reply({ content: 'Ask me a question about the papers, e.g. “What does FaMUS approximate?” (or try `/help`).', allowedMentions: NO_PINGS });
    return;
  }
  const check = checkQuestion(text, message.author.id, services, { visible: true });
  if (!check.ok) {
    // Not ephemeral here (messages cannot be): one notice per window, not one per message.
    if (check.firstRefusal) await message.reply({ content: check.notice, allowedMentions: NO_PINGS });
    return;
  }

  let target: AnswerTarget;
  let history: ChatMessage[] = [];
  let answerChannel: SendableChannels = channel;
  if (route === 'new-thread') {
    const thread = await startThread(message, check.question, services);
    if (thread !== null) answerChannel = thread;
    target = channelTarget(answerChannel, thread === null ? message : null);
  } else {
    if (route === 'follow-up' || route === 'dm') history = await readHistory(message, botId, route, services);
    target = channelTarget(channel, message);
  }
  answerChannel.sendTyping().catch((error: unknown) => services.logger.debug({ err: describeForLog(error, services.secrets) }, 'typing indicator failed'));

  const lastQuestion = [...history].reverse().find((turn) => turn.role === 'user')?.content;
  await deliverAnswer({
    question: check.question,
    target,
    services,
    history,
    // A follow-up ("and for transformers?") is searched together with the question before it.
    ...(lastQuestion !== undefined ? { retrievalQuery: `${lastQuestion}\n${check.question}` } : {}),
    origin: { source: route === 'dm' ? 'dm' : route === 'follow-up' ? 'thread' : 'mention', guildId: message.guildId, channelId: answerChannel.id },
  });
}

/** The thread for a mention's answer; null (answer in place) when Discord refuses, e.g. without the permission. */
async function startThread(message: Message, question: string, services: BotServices): Promise<SendableChannels | null> {
  try {
    return await message.startThread({ name: threadName(question), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
  } catch (error) {
    services.logger.warn({ err: describeForLog(error, services.secrets), channelId: message.channelId }, 'could not start a thread; answering in place');
    return null;
  }
}

/** A thread name from the question: one line, no mentions, 1–100 characters. */
export function threadName(question: string): string {
  const clean = oneLine(question.replace(/<[@#][!&]?\d+>/g, '').replace(/@(everyone|here)/g, '$1'));
  return truncate(clean, LIMITS.threadName) || 'Question';
}

async function readHistory(message: Message, botId: string, route: 'follow-up' | 'dm', services: BotServices): Promise<ChatMessage[]> {
  const channel = message.channel;
  try {
    const fetched = await channel.messages.fetch({ limit: HISTORY_FETCH, before: message.id });
    const messages = [...fetched.values()].sort((a, b) => compareMessageIds(a.id, b.id));
    // The question that opened the thread lives in the parent channel; read it when the thread is this short.
    if (route === 'follow-up' && channel.isThread() && fetched.size < HISTORY_FETCH) {
      const starter = await channel.fetchStarterMessage().catch((error: unknown) => {
        services.logger.debug({ err: describeForLog(error, services.secrets) }, 'no starter message for the thread');
        return null;
      });
      if (starter !== null) messages.unshift(starter);
    }
    return historyFromMessages(messages.map(toHistoryMessage), {
      botId,
      maxTurns: services.settings.historyTurns,
      ...(route === 'dm' ? { notBefore: message.createdTimestamp - DM_CONTEXT_MS } : {}),
    });
  } catch (error) {
    services.logger.warn({ err: describeForLog(error, services.secrets) }, 'could not read the conversation; answering without context');
    return [];
  }
}

function toHistoryMessage(message: Message): HistoryMessage {
  return { authorId: message.author.id, authorIsBot: message.author.bot, content: message.content, createdAt: message.createdTimestamp };
}
