/**
 * Questions by message. A message that mentions the bot is answered in a thread started from it (in a
 * thread that is not the bot's, in place); a DM is answered with a reply; in the bot's own threads a
 * follow-up is answered with the last few exchanges as context. Without the Message Content intent Discord
 * blanks messages that do not mention the bot, so there a follow-up must mention it too. Bots, including
 * this one (Discord echoes its own messages), are ignored. A reply to one of the bot's messages is not a
 * mention (Discord lists the replied-to author among the mentions; only `@paperbot` in the text counts).
 *
 * Before answering in a guild the bot checks its own permissions in the channel (discord.js computes them
 * from the roles and overwrites): no thread it could not post in, a reply in place when it may not start or
 * post in threads, and when it may not post at all, one warning per channel in the log (a message cannot be
 * answered privately).
 */
import { ChannelType, PermissionFlagsBits, ThreadAutoArchiveDuration, type Message, type SendableChannels } from 'discord.js';
import type { ChatMessage } from '../core/answering/chat-model.ts';
import { answersMentionsIn, settingsFor } from '../core/settings/guild-settings.ts';
import type { BotServices } from './command.ts';
import { compareMessageIds, historyFromMessages, readReplyChain, stripBotMention, type ChainMessage, type HistoryMessage } from './conversation-history.ts';
import { channelTarget, checkQuestion, deliverAnswer, type AnswerTarget } from './deliver-answer.ts';
import { describeForLog } from '../core/redact-secrets.ts';
import { missingPermissionNames } from './errors.ts';
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

/** Channels already reported as impossible to answer in: the log says so once per channel, not per message. */
export class UnpostableChannels {
  private readonly reported = new Set<string>();

  /** True the first time a channel is reported. */
  firstReport(channelId: string): boolean {
    if (this.reported.has(channelId)) return false;
    this.reported.add(channelId);
    return true;
  }
}

/** How the bot can answer a message where it is: in a new thread, in place (as a reply or not), or not at all. */
export type PostingPlan = { kind: 'thread' } | { kind: 'in-place'; reply: boolean } | { kind: 'none'; missing: string[] };

const { ViewChannel, SendMessages, SendMessagesInThreads, CreatePublicThreads, ReadMessageHistory } = PermissionFlagsBits;

/** Pure on discord.js's computed permissions (null: unknown, e.g. a DM: anything goes). */
export function planPosting(permissions: { has(bit: bigint): boolean } | null, { inThread, wantsThread }: { inThread: boolean; wantsThread: boolean }): PostingPlan {
  if (permissions === null) return wantsThread ? { kind: 'thread' } : { kind: 'in-place', reply: true };
  const has = (bits: bigint): boolean => permissions.has(bits);
  if (wantsThread && has(ViewChannel | CreatePublicThreads | SendMessagesInThreads)) return { kind: 'thread' };
  const send = inThread ? SendMessagesInThreads : SendMessages;
  if (!has(ViewChannel | send)) return { kind: 'none', missing: missingPermissionNames(permissions, ViewChannel | send) };
  return { kind: 'in-place', reply: has(ReadMessageHistory) };
}

export async function handleMessage(message: Message, services: BotServices, botId: string, unpostable: UnpostableChannels = new UnpostableChannels()): Promise<void> {
  const channel = message.channel;
  const route = routeMessage({
    authorIsBot: message.author.bot || message.author.id === botId,
    isSystem: message.system || message.webhookId !== null,
    isDm: channel.type === ChannelType.DM,
    inOwnThread: channel.isThread() && channel.ownerId === botId,
    threadUnavailable: channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement,
    mentionsBot: mentionsInText(message.content, botId),
    messageContent: services.settings.messageContent,
  });
  if (route === 'ignore' || !channel.isSendable()) return;
  // A server's /settings may limit the channels mentions are answered in (a thread goes by its channel).
  const guildSettings = await settingsFor(services.guildSettings, message.guildId);
  if (!answersMentionsIn(guildSettings, channel.id, channel.isThread() ? channel.parentId : null)) return;
  // Of several bot processes receiving this message (one database, one token), one answers it.
  if (!(await services.claimEvent(`message:${message.id}`))) return;

  const me = message.guild?.members.me ?? null;
  const plan = planPosting(channel.isDMBased() || me === null ? null : channel.permissionsFor(me), { inThread: channel.isThread(), wantsThread: route === 'new-thread' });
  if (plan.kind === 'none') {
    if (unpostable.firstReport(channel.id)) {
      services.logger.warn(
        { channelId: channel.id, guildId: message.guildId, missing: plan.missing },
        `a message asked paperbot in a channel where it may not post (it lacks ${plan.missing.join(', ')} there): not answered; grant the permission to paperbot's role or in the channel's overrides`,
      );
    }
    return;
  }
  const reply = (payload: { content: string; allowedMentions: typeof NO_PINGS }): Promise<unknown> =>
    plan.kind === 'in-place' && !plan.reply ? channel.send(payload) : message.reply(payload);

  const text = stripBotMention(message.content, botId);
  if (text === '') {
    await reply({ content: 'Ask me a question about the papers, e.g. “What does FaMUS approximate?” (or try `/help`).', allowedMentions: NO_PINGS });
    return;
  }
  const check = await checkQuestion(text, message.author.id, services, { visible: true });
  if (!check.ok) {
    // Not ephemeral here (messages cannot be): one notice per window, not one per message.
    if (check.firstRefusal) await reply({ content: check.notice, allowedMentions: NO_PINGS });
    return;
  }

  let target: AnswerTarget;
  let history: ChatMessage[] = [];
  let answerChannel: SendableChannels = channel;
  if (plan.kind === 'thread') {
    const thread = await startThread(message, check.question, services);
    if (thread !== null) answerChannel = thread;
    target = channelTarget(answerChannel, thread === null ? message : null);
  } else {
    if (route === 'follow-up' || route === 'dm') history = await readHistory(message, botId, route, services);
    target = channelTarget(channel, plan.reply ? message : null);
  }
  // A reply to another message (an answer of the bot's, a digest, a question) has that chain as its context.
  if (history.length === 0 && message.reference?.messageId !== undefined) history = await replyChainHistory(message, botId, services);
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

/** `<@id>` or `<@!id>` in the text: a real mention, not the reply ping Discord also lists among the mentions. */
function mentionsInText(content: string, botId: string): boolean {
  return content.includes(`<@${botId}>`) || content.includes(`<@!${botId}>`);
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

/** The reply chain above `message` as turns; empty (answer without context) when it cannot be read. */
async function replyChainHistory(message: Message, botId: string, services: BotServices): Promise<ChatMessage[]> {
  const reference = message.reference;
  if (reference?.messageId === undefined || (reference.channelId !== undefined && reference.channelId !== message.channelId)) return [];
  const fetchOne = async (id: string): Promise<ChainMessage | null> => {
    try {
      const found = await message.channel.messages.fetch(id);
      return { ...toHistoryMessage(found), repliesTo: found.reference?.channelId === message.channelId ? (found.reference.messageId ?? null) : null };
    } catch (error) {
      // Deleted, or not readable: the chain ends here.
      services.logger.debug({ err: describeForLog(error, services.secrets), messageId: id }, 'reply chain ends at a message that cannot be read');
      return null;
    }
  };
  const chain = await readReplyChain(reference.messageId, fetchOne);
  return historyFromMessages(chain, { botId, maxTurns: services.settings.historyTurns, startWithQuestion: false });
}

function toHistoryMessage(message: Message): HistoryMessage {
  return { authorId: message.author.id, authorIsBot: message.author.bot, content: message.content, createdAt: message.createdTimestamp };
}
