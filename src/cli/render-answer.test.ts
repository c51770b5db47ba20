/**
 * The terminal rendering of an answer: the text, numbered sources (untitled papers marked as such, links
 * when known), and every warning.
 */
import { describe, expect, it } from 'vitest';
import type { AnswerResult } from '../core/answering/answer-question.ts';
import { renderAnswer } from './render-answer.ts';

const BASE: AnswerResult = {
  question: 'What does FaMUS approximate?',
  mode: 'llm',
  answer: 'FaMUS approximates the meta gradient [1]. Intra-Fusion is different [2].',
  citations: [
    {
      n: 1,
      paperId: 'h:73d455008da1fb60',
      label: 'Faster Meta Update Strategy for Noise-Robust Deep Learning',
      title: 'Faster Meta Update Strategy for Noise-Robust Deep Learning',
      url: 'https://example.org/famus',
      source: 'seed-papers.jsonl:7',
    },
    { n: 2, paperId: 'h:e479333a4f709c16', label: 'Intra-Fusion', title: null, url: null, source: 'seed-papers.jsonl:2' },
  ],
  passages: [],
  warnings: [],
};

describe('renderAnswer', () => {
  it('prints the answer, then numbered sources with their location and link', () => {
    const text = renderAnswer(BASE);
    const lines = text.split('\n');
    expect(lines[0]).toBe(BASE.answer);
    expect(text).toContain('Sources:');
    expect(text).toContain('[1] Faster Meta Update Strategy for Noise-Robust Deep Learning — seed-papers.jsonl:7');
    expect(text).toContain('https://example.org/famus');
    expect(text.indexOf('[1] Faster')).toBeLessThan(text.indexOf('[2] Intra-Fusion'));
  });

  it('marks a paper without a title as untitled and shows no link it does not have', () => {
    const text = renderAnswer(BASE);
    const line = text.split('\n').find((l) => l.includes('[2]') && l.includes('—'));
    expect(line?.trim()).toBe('[2] Intra-Fusion (untitled) — seed-papers.jsonl:2');
    expect(text).not.toContain('null');
  });

  it('shows every warning', () => {
    const text = renderAnswer({ ...BASE, warnings: ['The language model could not answer (timeout).', 'Second warning.'] });
    expect(text).toContain('! The language model could not answer (timeout).');
    expect(text).toContain('! Second warning.');
  });

  it('labels an extractive answer as quoted sentences', () => {
    expect(renderAnswer({ ...BASE, mode: 'extractive' }).split('\n')[0]).toMatch(/extractive answer/);
  });

  it('prints a refusal without a sources section', () => {
    const text = renderAnswer({ ...BASE, mode: 'refused', answer: 'The indexed papers do not seem to cover this question.', citations: [] });
    expect(text).toBe('The indexed papers do not seem to cover this question.');
  });
});
