/**
 * A day's digest (core's platform-neutral DigestMessage) as Discord messages (pure): the title in bold with
 * its date, each entry with its link in <> (so Discord shows no preview), TL;DR and reason, text from papers
 * and users escaped so it shows as typed. Messages are at most 2,000 characters, split between entries,
 * never inside one unless a single entry is itself too long (then `splitMessage` cuts it). The scheduled
 * post and `/digest preview` both come from here, so a preview shows exactly what would be posted.
 */
import { escapeMarkdown } from 'discord.js';
import type { DigestMessage } from '../../core/digest/digest-message.ts';
import { LIMITS } from './limits.ts';
import { splitMessage } from './split-message.ts';

/** The bot's one escaper (discord.js's), with masked links too: a paper title cannot hide a link behind text. */
function text(value: string): string {
  return escapeMarkdown(value, { maskedLink: true });
}

/** The digest as one or more messages, each at most `maxChars` long, entries never split when avoidable. */
export function renderDigestPost(message: DigestMessage, maxChars: number = LIMITS.content): string[] {
  const topic = message.topic === null ? '' : ` · topic: “${text(message.topic)}”`;
  const header = [`📚 **${text(message.title)}**${topic}`, ...message.notes.map((n) => `*${text(n)}*`)];
  if (message.emptyText !== null) header.push(text(message.emptyText));

  const blocks = [header.join('\n')];
  for (const e of message.entries) {
    blocks.push(
      [
        `**${e.n}. ${e.isNew ? '🆕 ' : ''}${text(e.label)}**`,
        e.url === null ? `Source: ${text(e.source)}` : `<${e.url}>`,
        `TL;DR: ${text(e.tldr)}`,
        `Why: ${text(e.why)}`,
      ].join('\n'),
    );
  }
  return pack(blocks, maxChars);
}

/** Blocks joined by blank lines into as few messages as fit; a block too long for one message is split on its own. */
function pack(blocks: readonly string[], maxChars: number): string[] {
  const messages: string[] = [];
  let current = '';
  for (const block of blocks) {
    for (const piece of block.length <= maxChars ? [block] : splitMessage(block, maxChars)) {
      if (current !== '' && current.length + 2 + piece.length <= maxChars) {
        current += `\n\n${piece}`;
      } else {
        if (current !== '') messages.push(current);
        current = piece;
      }
    }
  }
  if (current !== '') messages.push(current);
  return messages;
}
