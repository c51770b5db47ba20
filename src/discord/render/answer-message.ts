/**
 * An answer as Discord messages: the text, a clear note when it is extractive or a refusal, its warnings,
 * then numbered sources (links in <> so Discord shows no previews), link buttons to the cited papers and
 * 👍/👎 buttons carrying the answer id. Built from the AnswerResult only, so a citation the model invented
 * (already removed by the core) can never appear. Longer than one message: split cleanly, buttons on the last.
 */
import type { APIButtonComponent } from 'discord.js';
import type { AnswerResult, Citation } from '../../core/answering/answer-question.ts';
import { answerCutWarning, capAnswer, isCutWarning } from '../../core/answering/cap-answer.ts';
import { checkCitations } from '../../core/answering/check-citations.ts';
import { answerBibtexId, evidenceId, feedbackId } from '../custom-ids.ts';
import { escapeAnswer, escapeText } from './discord-markdown.ts';
import { LIMITS, isLinkable, oneLine, sourceLink, truncate } from './limits.ts';
import { actionButton, linkButton, toRows, type OutgoingMessage } from './outgoing-message.ts';
import { splitMessage } from './split-message.ts';

export const SOURCES_HEADING = '**Sources**';
export const EXTRACTIVE_NOTE = '-# Extractive answer: sentences quoted from the papers, no language model.';
export const REFUSAL_NOTE = '-# No passage in the indexed papers was relevant enough, so no answer was generated.';

export interface RenderAnswerOptions {
  /** Goes into the feedback buttons' custom ids. */
  answerId: string;
  /** Shown after the warnings when the language model failed, so a person can quote it; the log has the details. */
  errorId?: string | undefined;
}

/** However long an answer, it takes at most this many messages in a channel; the rest is cut, with a note. */
export const MAX_ANSWER_MESSAGES = 3;

export function renderAnswer(result: AnswerResult, { answerId, errorId }: RenderAnswerOptions): OutgoingMessage[] {
  const compose = (answer: string, warnings: readonly string[]): string[] => {
    // The model's text keeps its formatting; quoted passages and refusals are paper text, shown as written.
    const blocks: string[] = [result.mode === 'llm' ? escapeAnswer(answer.trim()) : escapeText(answer.trim())];
    const notes: string[] = [];
    if (result.mode === 'extractive') notes.push(EXTRACTIVE_NOTE);
    if (result.mode === 'refused') notes.push(REFUSAL_NOTE);
    for (const warning of warnings) notes.push(`⚠️ ${escapeText(oneLine(warning))}`);
    if (errorId !== undefined) notes.push(`-# error id \`${errorId}\``);
    if (notes.length > 0) blocks.push(notes.join('\n'));
    if (result.citations.length > 0) blocks.push([SOURCES_HEADING, ...result.citations.map(sourceLine)].join('\n'));
    return splitMessage(blocks.join('\n\n'));
  };

  let parts = compose(result.answer, result.warnings);
  // Too long for the messages allowed: cut the answer text shorter until everything fits, sources included.
  for (let max = result.answer.length; parts.length > MAX_ANSWER_MESSAGES && max > 100; ) {
    max = Math.floor(max * 0.85);
    const capped = capAnswer(result.answer, max);
    parts = compose(capped.text, [...result.warnings.filter((w) => !isCutWarning(w)), answerCutWarning(capped.text.length)]);
  }
  const buttons = [...paperButtons(result.citations)];
  // Four rows of links at most: the fifth is for feedback.
  const rows = [...toRows(buttons, LIMITS.rows - 1), ...toRows([...feedbackButtons(answerId), ...citationButtons(result.citations, answerId)])];
  return parts.map((content, i) => (i === parts.length - 1 ? { content, components: rows } : { content }));
}

/** `[1] **Title** — Authors · Venue Year · `file:line` <url>` */
export function sourceLine(citation: Citation): string {
  const name = citation.title ?? `${citation.label} (untitled)`;
  return `\`[${citation.n}]\` **${escapeText(truncate(oneLine(name), 200))}** — \`${citation.source.replace(/`/g, "'")}\`${sourceLink(citation.url)}`;
}

/** One link button per cited paper that has a URL, labelled with the citation numbers that point at it. */
function paperButtons(citations: readonly Citation[]): APIButtonComponent[] {
  const byPaper = new Map<string, { numbers: number[]; citation: Citation }>();
  for (const c of citations) {
    if (!isLinkable(c.url)) continue;
    const entry = byPaper.get(c.paperId);
    if (entry) entry.numbers.push(c.n);
    else byPaper.set(c.paperId, { numbers: [c.n], citation: c });
  }
  return [...byPaper.values()].flatMap(({ numbers, citation }) => {
    const button = linkButton(`${numbers.map((n) => `[${n}]`).join('')} ${citation.title ?? citation.label}`, citation.url ?? '');
    return button === null ? [] : [button];
  });
}

/**
 * Beside the votes when the answer cites papers: "BibTeX" (their entries, sent privately:
 * components/cite-button.ts) and "Show evidence" (its quotes, stored under the answer id).
 */
function citationButtons(citations: readonly Citation[], answerId: string): APIButtonComponent[] {
  if (citations.length === 0) return [];
  return [actionButton(answerBibtexId(answerId), 'BibTeX', { emoji: '📑' }), actionButton(evidenceId(answerId), 'Show evidence', { emoji: '🔍' })];
}

export function feedbackButtons(answerId: string): APIButtonComponent[] {
  return [
    actionButton(feedbackId('up', answerId), 'Helpful', { emoji: '👍' }),
    actionButton(feedbackId('down', answerId), 'Not helpful', { emoji: '👎' }),
  ];
}

export type Progress = { stage: 'retrieved'; passages: number; papers: number } | { stage: 'writing'; text: string; passages: number };

/**
 * A progress edit while the model writes. The text so far goes through the same citation check as the final
 * answer (numbers not given are dropped), so even a half-written answer never shows an invented citation.
 */
export function renderProgress(progress: Progress): OutgoingMessage {
  if (progress.stage === 'retrieved') {
    const papers = progress.papers === 1 ? '1 paper' : `${progress.papers} papers`;
    return { content: `🔎 Found ${progress.passages} relevant passage${progress.passages === 1 ? '' : 's'} in ${papers}; writing the answer…`, components: [] };
  }
  const valid = new Set(Array.from({ length: progress.passages }, (_, i) => i + 1));
  // A citation cut off mid-stream ("[1", "[1, 2", "【12†sou") is held back until it is complete.
  const complete = progress.text.replace(/[[［【〔〖][^\]］】〕〗\n]{0,40}$/u, '');
  const text = escapeAnswer(checkCitations(complete, valid).text);
  const footer = '\n\n-# ✍️ writing…';
  return { content: `${truncate(text, LIMITS.content - footer.length - 100)}${footer}`, components: [] };
}
