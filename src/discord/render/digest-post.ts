/**
 * A day's digest (core's platform-neutral DigestMessage) as Discord messages (pure): the title in bold with
 * its date, each entry with its link in <> (so Discord shows no preview), TL;DR and reason, text from papers
 * and users escaped so it shows as typed. Messages are at most 2,000 characters, split between entries,
 * never inside one unless a single entry is itself too long (then `splitMessage` cuts it). The scheduled
 * post and `/digest preview` both come from here, so a preview shows exactly what would be posted.
 */
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponentWithCustomId } from 'discord.js';
import type { DigestMessage } from '../../core/digest/digest-message.ts';
import type { RenderedDigestPart } from '../../digest/digest-sender.ts';
import { digestVoteId } from '../custom-ids.ts';
import { escapeText } from './discord-markdown.ts';
import { LIMITS, sourceLink } from './limits.ts';
import { splitMessage } from './split-message.ts';

/**
 * How entries map to vote buttons: each entry gets 👍 and 👎 labelled with its number, two entries to a row
 * (4 buttons of Discord's 5 a row, so a row never holds half an entry), under the message that shows the
 * entry. Discord allows 5 rows a message: 10 entries, the most a digest has (count 1–10). A message showing
 * more (never, today) keeps its text and gives buttons to its first 10 entries only.
 */
export const ENTRIES_PER_ROW = 2;
export const MAX_VOTE_ROWS = 5;

/** Paper and user text, shown as typed (the bot's one escaper): a title cannot hide a link behind text. */
const text = escapeText;

/** The digest as one or more messages, each at most `maxChars` long, entries never split when avoidable. */
export function renderDigestPost(message: DigestMessage, maxChars: number = LIMITS.content): string[] {
  return renderDigestParts(message, maxChars).map((part) => part.content);
}

/** The messages with the entries each shows (an entry split over several messages belongs to its last). */
export function renderDigestParts(message: DigestMessage, maxChars: number = LIMITS.content): RenderedDigestPart[] {
  const topic = message.topic === null ? '' : ` · topic: “${text(message.topic)}”`;
  const header = [`📚 **${text(message.title)}**${topic}`, ...message.notes.map((n) => `*${text(n)}*`)];
  if (message.emptyText !== null) header.push(text(message.emptyText));

  const blocks: Block[] = [{ text: header.join('\n'), entry: null }];
  for (const e of message.entries) {
    blocks.push({
      entry: e.n,
      text: [
        `**${e.n}. ${e.isNew ? '🆕 ' : ''}${text(e.label)}**`,
        // A link that cannot be sent as one (not http(s), too long) leaves the source, never a broken link.
        sourceLink(e.url).trim() || `Source: ${text(e.source)}`,
        `TL;DR: ${text(e.tldr)}`,
        `Why: ${text(e.why)}`,
      ].join('\n'),
    });
  }
  return pack(blocks, maxChars);
}

/** The 👍/👎 rows of one digest message: 2 entries a row, at most 5 rows (see ENTRIES_PER_ROW). */
export function digestVoteRows(localDate: string, entries: readonly number[]): APIActionRowComponent<APIButtonComponentWithCustomId>[] {
  const rows: APIActionRowComponent<APIButtonComponentWithCustomId>[] = [];
  const shown = entries.slice(0, ENTRIES_PER_ROW * MAX_VOTE_ROWS);
  for (let i = 0; i < shown.length; i += ENTRIES_PER_ROW) {
    const components = shown.slice(i, i + ENTRIES_PER_ROW).flatMap((n): APIButtonComponentWithCustomId[] => [
      { type: ComponentType.Button, style: ButtonStyle.Secondary, label: String(n), emoji: { name: '👍' }, custom_id: digestVoteId('up', localDate, n) },
      { type: ComponentType.Button, style: ButtonStyle.Secondary, label: String(n), emoji: { name: '👎' }, custom_id: digestVoteId('down', localDate, n) },
    ]);
    rows.push({ type: ComponentType.ActionRow, components });
  }
  return rows;
}

interface Block {
  text: string;
  /** The entry it shows; null for the header. */
  entry: number | null;
}

/** Blocks joined by blank lines into as few messages as fit; a block too long for one message is split on its own. */
function pack(blocks: readonly Block[], maxChars: number): RenderedDigestPart[] {
  const messages: RenderedDigestPart[] = [];
  let current = '';
  let entries: number[] = [];
  for (const block of blocks) {
    const pieces = block.text.length <= maxChars ? [block.text] : splitMessage(block.text, maxChars);
    pieces.forEach((piece, i) => {
      if (current !== '' && current.length + 2 + piece.length <= maxChars) {
        current += `\n\n${piece}`;
      } else {
        if (current !== '') messages.push({ content: current, entries });
        current = piece;
        entries = [];
      }
      if (block.entry !== null && i === pieces.length - 1) entries.push(block.entry);
    });
  }
  if (current !== '') messages.push({ content: current, entries });
  return messages;
}
