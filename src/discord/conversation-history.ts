/**
 * Context for follow-ups, read back from Discord rather than kept in memory: the earlier messages of the
 * bot's thread (or of a DM) become chat turns. Reading them back survives restarts and works with several
 * bot processes; it costs one REST call per follow-up. Pure here: messages in, turns out. A mention that
 * replies to a message gets that message's reply chain as context the same way (`readReplyChain`), one REST
 * call per level, at most REPLY_CHAIN_DEPTH levels.
 */
import type { ChatMessage } from '../core/answering/chat-model.ts';
import { SOURCES_HEADING } from './render/answer-message.ts';

export interface HistoryMessage {
  authorId: string;
  authorIsBot: boolean;
  content: string;
  createdAt: number;
}

export interface HistoryOptions {
  botId: string;
  /** Exchanges (a question and its answer) to keep, the latest ones. */
  maxTurns: number;
  /** Ignore messages older than this (DMs have no thread to bound a conversation). */
  notBefore?: number;
  /** Drop answers before the first question (default). A reply chain keeps them: a reply to the bot's answer or digest is about it. */
  startWithQuestion?: boolean;
}

/** Bot messages that are notices (progress, errors, limits), not answers: never context. */
const NOTICE = /^(⚠️|⏳|⏹️|🔎)|-# ✍️ writing…$/u;

/**
 * Discord's order of two messages by id (snowflake): negative when `a` is older. Their timestamps count
 * whole milliseconds only, so two messages of the same millisecond (a quick follow-up to the bot's answer)
 * are in order only by id.
 */
export function compareMessageIds(a: string, b: string): number {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `messages` oldest first → turns oldest first, starting with a question. */
export function historyFromMessages(messages: readonly HistoryMessage[], { botId, maxTurns, notBefore, startWithQuestion = true }: HistoryOptions): ChatMessage[] {
  const turns: ChatMessage[] = [];
  for (const message of messages) {
    if (notBefore !== undefined && message.createdAt < notBefore) continue;
    let role: ChatMessage['role'];
    let content: string;
    if (message.authorId === botId) {
      if (NOTICE.test(message.content.trim())) continue;
      role = 'assistant';
      content = answerText(message.content);
    } else if (message.authorIsBot) {
      continue;
    } else {
      role = 'user';
      content = stripBotMention(message.content, botId);
    }
    if (content === '') continue;
    const last = turns.at(-1);
    // A long answer arrives as several messages; consecutive questions are read as one.
    if (last !== undefined && last.role === role) last.content = `${last.content}\n\n${content}`;
    else turns.push({ role, content });
  }
  const kept = turns.slice(-maxTurns * 2);
  while (startWithQuestion && kept[0]?.role === 'assistant') kept.shift();
  return kept;
}

/**
 * An answer message without its sources list, notes and warnings: what was said. Its citation numbers go
 * too: they point at the passages of that earlier answer, and the next prompt numbers its own passages.
 */
export function answerText(content: string): string {
  const sources = content.indexOf(SOURCES_HEADING);
  const body = sources === -1 ? content : content.slice(0, sources);
  return body
    .split('\n')
    .filter((line) => !line.startsWith('-# ') && !line.startsWith('⚠️ '))
    .join('\n')
    .replace(/\s?\[\d+(?:\s*[,;–-]\s*\d+)*\]/g, '')
    .trim();
}

/** The text of a message addressed to the bot, without the mention(s) of the bot. */
export function stripBotMention(content: string, botId: string): string {
  return content.replace(new RegExp(`<@!?${botId}>`, 'g'), ' ').replace(/\s+/g, ' ').trim();
}

/** Messages of a reply chain read back as context: the replied-to message and the ones it replies to. */
const REPLY_CHAIN_DEPTH = 5;

/** A message of a reply chain: what history needs, and the message it replies to (null: the chain starts here). */
export interface ChainMessage extends HistoryMessage {
  repliesTo: string | null;
}

/**
 * The reply chain above a message, oldest first: `fetch(firstId)`, then what that replies to, and so on, at
 * most `depth` messages. A message that is missing (deleted, or not readable) ends the chain there; so does a
 * loop (a chain cannot really have one, but an id seen twice would mean fetching forever).
 */
export async function readReplyChain(firstId: string, fetch: (messageId: string) => Promise<ChainMessage | null>, depth: number = REPLY_CHAIN_DEPTH): Promise<HistoryMessage[]> {
  const chain: HistoryMessage[] = [];
  const seen = new Set<string>();
  let next: string | null = firstId;
  while (next !== null && chain.length < depth && !seen.has(next)) {
    seen.add(next);
    const message: ChainMessage | null = await fetch(next);
    if (message === null) break;
    chain.unshift(message);
    next = message.repliesTo;
  }
  return chain;
}
