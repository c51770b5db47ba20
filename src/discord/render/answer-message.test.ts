import { describe, expect, it } from 'vitest';
import type { AnswerResult, Citation } from '../../core/answering/answer-question.ts';
import { NO_CITATION_WARNING } from '../../core/answering/answer-question.ts';
import { renderAnswer, renderProgress } from './answer-message.ts';

const citation = (n: number, overrides: Partial<Citation> = {}): Citation => ({
  n,
  paperId: `p${n}`,
  label: `Label ${n}`,
  title: `Title ${n}`,
  url: `https://example.org/paper/${n}`,
  source: `seed-papers.jsonl:${n}`,
  ...overrides,
});

const result = (overrides: Partial<AnswerResult> = {}): AnswerResult => ({
  question: 'q?',
  mode: 'llm',
  answer: 'It works [1] and scales [2].',
  citations: [citation(1), citation(2)],
  passages: [],
  warnings: [],
  ...overrides,
});

type Button = { style: number; label: string; url?: string; custom_id?: string };
const buttons = (message: { components?: unknown[] } | undefined): Button[] =>
  ((message?.components ?? []) as Array<{ components: Button[] }>).flatMap((row) => row.components);

describe('renderAnswer', () => {
  it('shows the answer, numbered sources with links in <>, link buttons and feedback buttons', () => {
    const [message, ...rest] = renderAnswer(result(), { answerId: 'abc123' });
    expect(rest).toEqual([]);
    expect(message?.content).toBe(
      [
        'It works [1] and scales [2].',
        '',
        '**Sources**',
        '`[1]` **Title 1** — `seed-papers.jsonl:1` <https://example.org/paper/1>',
        '`[2]` **Title 2** — `seed-papers.jsonl:2` <https://example.org/paper/2>',
      ].join('\n'),
    );
    expect(buttons(message).map((b) => [b.label, b.url ?? b.custom_id])).toEqual([
      ['[1] Title 1', 'https://example.org/paper/1'],
      ['[2] Title 2', 'https://example.org/paper/2'],
      ['Helpful', 'feedback:up:abc123'],
      ['Not helpful', 'feedback:down:abc123'],
      ['BibTeX', 'bibtex:abc123'],
      ['Show evidence', 'evidence:abc123'],
    ]);
  });

  it('labels extractive answers and refusals, shows warnings, and the error id when given', () => {
    const extractive = renderAnswer(result({ mode: 'extractive', warnings: ['The language model could not answer (timeout); this is an extractive answer.'] }), { answerId: 'a', errorId: 'e1' })[0]?.content ?? '';
    expect(extractive).toMatch(/^-# Extractive answer/m);
    expect(extractive).toMatch(/^⚠️ The language model could not answer \(timeout\)/m);
    expect(extractive).toMatch(/^-# error id `e1`$/m);
    const refused = renderAnswer(result({ mode: 'refused', answer: 'The indexed papers do not seem to cover this question.', citations: [] }), { answerId: 'a' })[0];
    expect(refused?.content).toMatch(/no answer was generated/);
    expect(refused?.content).not.toContain('Sources');
    expect(buttons(refused).map((b) => b.custom_id)).toEqual(['feedback:up:a', 'feedback:down:a']);
    const uncited = renderAnswer(result({ citations: [], warnings: [NO_CITATION_WARNING] }), { answerId: 'a' })[0]?.content;
    expect(uncited).toContain('⚠️ This answer cites none of the passages');
  });

  it('shows "(untitled)" labels, skips links that are not http(s), and one button per paper', () => {
    const [message] = renderAnswer(
      result({
        answer: 'A [1][2] and [3].',
        citations: [citation(1, { title: null, url: null }), citation(2, { paperId: 'p3', url: 'javascript:alert(1)' }), citation(3, { paperId: 'p1', title: null, url: null })],
      }),
      { answerId: 'a' },
    );
    expect(message?.content).toContain('`[1]` **Label 1 (untitled)** — `seed-papers.jsonl:1`\n');
    expect(message?.content).not.toContain('javascript:');
    expect(buttons(message).filter((b) => b.url)).toEqual([]);

    const many = Array.from({ length: 25 }, (_, i) => citation(i + 1));
    const rows = renderAnswer(result({ citations: many }), { answerId: 'a' })[0]?.components ?? [];
    expect(rows.length).toBeLessThanOrEqual(5);
    for (const row of rows) expect(row.components.length).toBeLessThanOrEqual(5);
    expect(JSON.stringify(rows.at(-1))).toContain('feedback:up:a');
  });

  it('splits a long answer; buttons go on the last message only', () => {
    const long = Array.from({ length: 80 }, (_, i) => `Sentence ${i} of a long answer that goes on [1].`).join(' ');
    const messages = renderAnswer(result({ answer: long }), { answerId: 'a' });
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.content?.length).toBeLessThanOrEqual(2000);
    expect(messages.slice(0, -1).every((m) => m.components === undefined)).toBe(true);
    expect(messages.at(-1)?.content).toContain('**Sources**');
  });

  it('posts at most 3 messages however long the answer, the cut said in a warning, sources and buttons kept', () => {
    const long = Array.from({ length: 400 }, (_, i) => `Sentence ${i} of a very long answer [1].`).join(' ');
    const messages = renderAnswer(result({ answer: long }), { answerId: 'a' });
    expect(messages).toHaveLength(3);
    for (const m of messages) expect(m.content?.length).toBeLessThanOrEqual(2000);
    const last = messages.at(-1)?.content ?? '';
    expect(last).toMatch(/^⚠️ The answer was cut at [\d,]+ characters; ask a narrower question for the rest\.$/m);
    expect(last).toContain('**Sources**');
    expect(messages.map((m) => m.content).join('\n')).toMatch(/answer \[1\]\. …\n/);
    expect(JSON.stringify(messages.at(-1)?.components)).toContain('feedback:up:a');
  });

  it('escapes Markdown in titles', () => {
    const content = renderAnswer(result({ citations: [citation(1, { title: 'A **bold** _claim_' })] }), { answerId: 'a' })[0]?.content;
    expect(content).toContain('**A \\*\\*bold\\*\\* \\_claim\\_**');
  });
});

describe('renderProgress', () => {
  it('drops citations the model invented and holds back a half-written one', () => {
    expect(renderProgress({ stage: 'writing', text: 'It works [1] and [9], see [2', passages: 6 }).content).toBe('It works [1] and, see\n\n-# ✍️ writing…');
    expect(renderProgress({ stage: 'writing', text: 'It works 【1】 and 【9†sou', passages: 6 }).content).toBe('It works [1] and\n\n-# ✍️ writing…');
  });

  it('fits in one message however long the text', () => {
    const content = renderProgress({ stage: 'writing', text: 'word '.repeat(2000), passages: 6 }).content ?? '';
    expect(content.length).toBeLessThanOrEqual(2000);
  });

  it('says what was found before the model writes', () => {
    expect(renderProgress({ stage: 'retrieved', passages: 6, papers: 4 }).content).toBe('🔎 Found 6 relevant passages in 4 papers; writing the answer…');
  });
});
