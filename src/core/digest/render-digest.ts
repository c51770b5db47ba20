/**
 * A day's digest as a platform-neutral message (title line, entries, notes), and its rendering to plain
 * text in messages of at most 2,000 characters (Discord's limit), split between entries, never inside one
 * unless a single entry is itself too long. Links come from the paper's own metadata (url, else DOI, else
 * arXiv id), never invented, and are wrapped in <> so Discord shows no previews. The Discord side adds
 * `allowedMentions: { parse: [] }` and sends the strings as they are.
 */
import type { Paper } from '../corpus/paper.ts';
import type { DigestCandidate, DigestPick, DigestReason } from './pick-papers.ts';
import { extractiveTldr } from './tldr.ts';

export const DISCORD_MESSAGE_LIMIT = 2_000;

export const CYCLE_RESTART_NOTE = 'Every paper has now been featured in this channel, so a new round starts: papers you have seen here may come again.';
export const NOTHING_NEW_TEXT = 'Nothing new today: there are no papers in the corpus to feature yet.';

export interface DigestMessageEntry {
  /** 1-based position in the digest. */
  n: number;
  paperId: string;
  /** The title, else the label derived from the abstract. */
  label: string;
  /** An http(s) link from the paper's metadata, or null. */
  url: string | null;
  /** `file:line` in the corpus, shown when there is no link. */
  source: string;
  tldr: string;
  why: string;
  reason: DigestReason;
  isNew: boolean;
}

export interface DigestMessage {
  /** The local date the digest is for (`YYYY-MM-DD`). */
  localDate: string;
  /** "Paper digest · 2025-03-10". */
  title: string;
  topic: string | null;
  /** Lines shown under the title (e.g. the new-round note). */
  notes: string[];
  entries: DigestMessageEntry[];
  /** Shown instead of entries when there is nothing to post; null otherwise. */
  emptyText: string | null;
}

export type DigestPaper = DigestCandidate & Pick<Paper, 'label' | 'title' | 'url' | 'doi' | 'arxivId' | 'source'>;

export interface BuildDigestMessageOptions<P extends DigestPaper> {
  pick: DigestPick<P>;
  localDate: string;
  topic?: string | null | undefined;
  /**
   * The TL;DR of a paper (e.g. the LLM's, already tidied by `tidyLlmTldr`); when it returns undefined or
   * is not given, the abstract's key sentence (`extractiveTldr`).
   */
  tldr?: ((paper: P) => string | undefined) | undefined;
}

export function buildDigestMessage<P extends DigestPaper>({ pick, localDate, topic, tldr }: BuildDigestMessageOptions<P>): DigestMessage {
  const cleanTopic = topic?.trim() || null;
  return {
    localDate,
    title: `Paper digest · ${localDate}`,
    topic: cleanTopic,
    notes: pick.cycleRestarted ? [CYCLE_RESTART_NOTE] : [],
    entries: pick.entries.map(({ paper, reason, why }, i) => ({
      n: i + 1,
      paperId: paper.id,
      label: oneLine(paper.title ?? paper.label) || paper.label,
      url: paperLink(paper),
      source: paper.source,
      tldr: oneLine(tldr?.(paper) ?? '') || extractiveTldr(paper.abstract),
      why,
      reason,
      isNew: reason === 'new',
    })),
    emptyText: pick.nothingNew || pick.entries.length === 0 ? NOTHING_NEW_TEXT : null,
  };
}

/** The paper's link from its own metadata: its url when http(s), else its DOI, else its arXiv id; else null. */
export function paperLink(paper: Pick<Paper, 'url' | 'doi' | 'arxivId'>): string | null {
  const url = paper.url?.trim();
  // Only plain web links: no javascript:, no spaces or ">" that would break out of <…>.
  if (url !== undefined && /^https?:\/\/[^\s<>]+$/i.test(url)) return url;
  if (paper.doi) return `https://doi.org/${encodeURI(paper.doi.trim())}`;
  if (paper.arxivId) return `https://arxiv.org/abs/${encodeURI(paper.arxivId.trim())}`;
  return null;
}

export interface RenderDigestOptions {
  /** Characters per message. */
  maxChars?: number;
  /** Discord markdown (bold, escaped user text, links in <>); false: bare text for a terminal. */
  markdown?: boolean;
}

/** The digest as one or more messages, each at most `maxChars` long, entries never split when avoidable. */
export function renderDigestText(message: DigestMessage, { maxChars = DISCORD_MESSAGE_LIMIT, markdown = true }: RenderDigestOptions = {}): string[] {
  const text = markdown ? escapeMarkdown : (s: string) => s;
  const bold = (s: string) => (markdown ? `**${s}**` : s);
  const topic = message.topic === null ? '' : ` · topic: “${text(message.topic)}”`;
  const header = [`📚 ${bold(text(message.title))}${topic}`, ...message.notes.map((n) => (markdown ? `*${text(n)}*` : n))];
  if (message.emptyText !== null) header.push(text(message.emptyText));

  const blocks = [header.join('\n')];
  for (const e of message.entries) {
    const lines = [bold(`${e.n}. ${e.isNew ? '🆕 ' : ''}${text(e.label)}`)];
    lines.push(e.url === null ? `Source: ${text(e.source)}` : markdown ? `<${e.url}>` : e.url);
    lines.push(`TL;DR: ${text(e.tldr)}`);
    lines.push(`Why: ${text(e.why)}`);
    blocks.push(lines.join('\n'));
  }
  return pack(blocks, maxChars);
}

/** Blocks joined by blank lines into as few messages as fit; a block too long for one message is split by line, then by word. */
function pack(blocks: readonly string[], maxChars: number): string[] {
  const messages: string[] = [];
  let current = '';
  const push = (piece: string, separator: string) => {
    if (current === '') current = piece;
    else if (current.length + separator.length + piece.length <= maxChars) current += separator + piece;
    else {
      messages.push(current);
      current = piece;
    }
  };
  for (const block of blocks) {
    if (block.length <= maxChars) {
      push(block, '\n\n');
      continue;
    }
    block.split('\n').forEach((line, i) => {
      for (const [j, piece] of splitLine(line, maxChars).entries()) push(piece, i === 0 && j === 0 ? '\n\n' : '\n');
    });
  }
  if (current !== '') messages.push(current);
  return messages;
}

function splitLine(line: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(' ', maxChars);
    const cut = space > maxChars / 2 ? space : maxChars;
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Text from papers and users shows as typed: no bold, strike, code, spoilers, masked links or mention syntax.
 * Line-start syntax (headings, quotes, lists) cannot occur: every line starts with our own text.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|<>[\]]/g, '\\$&');
}
