/**
 * What a day's digest says, whatever platform shows it: its heading (title with the local date, topic,
 * notes such as the new-round note), and per paper its label or title, link, TL;DR and why it was picked;
 * or the "nothing new today" text. Links come from the paper's own metadata (url, else DOI, else arXiv
 * id), never invented. Turning this into messages (markup, escaping, length limits) is the platform's
 * job: for Discord, src/discord/render/digest-post.ts.
 */
import type { Paper } from '../corpus/paper.ts';
import { arxivUrl, doiUrl } from '../corpus/paper-urls.ts';
import type { DigestCandidate, DigestPick, DigestReason } from './pick-papers.ts';
import { extractiveTldr } from './tldr.ts';

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
  // Only plain web links: no javascript:, no spaces or angle brackets (a platform may wrap a link in <…>).
  if (url !== undefined && /^https?:\/\/[^\s<>]+$/i.test(url)) return url;
  if (paper.doi) return doiUrl(paper.doi);
  if (paper.arxivId) return arxivUrl(paper.arxivId);
  return null;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
