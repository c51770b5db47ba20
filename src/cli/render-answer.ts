/**
 * Pure renderers for the terminal: an answer with its numbered sources, paper cards, similar-paper lists.
 */
import type { AnswerResult } from '../core/answering/answer-question.ts';
import type { Paper } from '../core/corpus/paper.ts';
import type { SimilarPaper } from '../assistant/assistant.ts';

export function renderAnswer(result: AnswerResult): string {
  const lines: string[] = [];
  if (result.mode === 'extractive') lines.push('(extractive answer: sentences quoted from the papers, no language model)', '');
  lines.push(result.answer);
  if (result.citations.length > 0) {
    lines.push('', 'Sources:');
    for (const c of result.citations) {
      const title = c.title === null ? `${c.label} (untitled)` : c.title;
      lines.push(`  [${c.n}] ${title} — ${c.source}${c.url === null ? '' : `\n      ${c.url}`}`);
    }
  }
  for (const w of result.warnings) lines.push('', `! ${w}`);
  return lines.join('\n');
}

export function renderPaper(paper: Paper): string {
  const lines = [paper.title ?? `${paper.label} (untitled)`];
  const facts = [paper.authors.join(', '), paper.venue, paper.year === null ? null : String(paper.year)].filter((x): x is string => x !== null && x !== '');
  if (facts.length > 0) lines.push(facts.join(' · '));
  if (paper.url !== null) lines.push(paper.url);
  lines.push(`id ${paper.id} · ${paper.source}`, '', paper.abstract);
  return lines.join('\n');
}

export function renderSimilar(paper: Paper, similar: readonly SimilarPaper[]): string {
  if (similar.length === 0) return `No other papers are similar to ${paper.label}.`;
  const lines = [`Papers similar to ${paper.label}:`];
  similar.forEach((s, i) => {
    const score = s.similarity === null ? '' : ` (similarity ${s.similarity.toFixed(2)})`;
    lines.push(`  ${i + 1}. ${s.paper.label}${score} — ${s.paper.source}`);
  });
  return lines.join('\n');
}
