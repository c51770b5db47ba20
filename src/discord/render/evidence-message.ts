/**
 * "Show evidence": the quoted sentences behind each citation `[n]` of an answer, with the paper and its
 * source, as private messages (split when long). Quotes are corpus text, so they are escaped like any
 * other paper text; links are wrapped in <> (no previews). Pure: evidence in, message texts out.
 */
import { escapeText } from './discord-markdown.ts';
import type { EvidenceQuote } from '../../core/feedback/answer-evidence.ts';
import { oneLine, sourceLink, truncate } from './limits.ts';
import { splitMessage } from './split-message.ts';

export const EVIDENCE_HEADING = '**Evidence**: the sentences of each cited passage this answer rests on';
export const NO_EVIDENCE_KEPT = 'paperbot did not keep the evidence of this answer (it was given before evidence was stored, or it cites nothing). Its sources list names the papers.';

/** Longest quote shown: a sentence, not a page. */
const MAX_QUOTE = 600;

export function renderEvidence(evidence: readonly EvidenceQuote[]): string[] {
  if (evidence.length === 0) return [NO_EVIDENCE_KEPT];
  const blocks = evidence.map((item) => {
    const name = escapeText(truncate(oneLine(item.title ?? `${item.label} (untitled)`), 200));
    const quotes = item.quotes.map((q) => `> ${escapeText(truncate(oneLine(q), MAX_QUOTE))}`);
    return [`\`[${item.n}]\` **${name}** — \`${item.source.replace(/`/g, "'")}\`${sourceLink(item.url)}`, ...quotes].join('\n');
  });
  return splitMessage([EVIDENCE_HEADING, ...blocks].join('\n\n'));
}
