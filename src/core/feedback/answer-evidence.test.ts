/** The evidence behind an answer's citations: the passage sentences each [n] rests on, never a paper not cited. */
import { describe, expect, it } from 'vitest';
import type { AnswerResult } from '../answering/answer-question.ts';
import { answerEvidence } from './answer-evidence.ts';

const citation = (n: number, paperId: string) => ({ n, paperId, label: paperId.toUpperCase(), title: `Paper ${paperId}`, url: null, source: `c.jsonl:${n}` });
const passages: AnswerResult['passages'] = [
  { n: 1, paperId: 'a', score: 0.1, source: 'c.jsonl:1', text: 'We study label noise. FaMUS approximates the meta gradient layer by layer. It saves two-thirds of the training time.' },
  { n: 2, paperId: 'b', score: 0.05, source: 'c.jsonl:2', text: 'Sharpness-aware minimization is costly. VaSSO stabilizes the adversary with a variance suppression term.' },
  { n: 3, paperId: 'c', score: 0.01, source: 'c.jsonl:3', text: 'An unrelated passage about pruning.' },
];

describe('answerEvidence', () => {
  it('quotes, for each citation, the sentences of its passage that share the claim’s words, in passage order', () => {
    const evidence = answerEvidence({
      answer: 'FaMUS approximates the meta gradient to save training time [1]. VaSSO suppresses variance to stabilize the adversary [2].',
      citations: [citation(1, 'a'), citation(2, 'b')],
      passages,
    });
    expect(evidence.map((e) => [e.n, e.paperId, e.source])).toEqual([
      [1, 'a', 'c.jsonl:1'],
      [2, 'b', 'c.jsonl:2'],
    ]);
    expect(evidence[0]?.quotes).toEqual(['FaMUS approximates the meta gradient layer by layer.', 'It saves two-thirds of the training time.']);
    expect(evidence[1]?.quotes).toEqual(['VaSSO stabilizes the adversary with a variance suppression term.']);
  });

  it('finds an extractive answer’s sentences verbatim, and gives the opening sentence when no word is shared', () => {
    const evidence = answerEvidence({
      answer: 'It saves two-thirds of the training time [1]. Entirely different wording here [3].',
      citations: [citation(1, 'a'), citation(3, 'c')],
      passages,
    });
    expect(evidence[0]?.quotes).toContain('It saves two-thirds of the training time.');
    expect(evidence[1]?.quotes).toEqual(['An unrelated passage about pruning.']);
  });

  it('has nothing for a refusal (no citations), and nothing for a passage that was not cited', () => {
    expect(answerEvidence({ answer: 'The indexed papers do not seem to cover this question.', citations: [], passages: [] })).toEqual([]);
    const evidence = answerEvidence({ answer: 'VaSSO stabilizes the adversary [2].', citations: [citation(2, 'b')], passages });
    expect(evidence.map((e) => e.n)).toEqual([2]);
  });
});
