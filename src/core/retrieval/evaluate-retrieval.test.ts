import { describe, expect, it } from 'vitest';
import { isUserError } from '../errors.ts';
import { distinctPapers, firstHitRank, parseQuestions, resolveReferences, summarize, summarizeBy, sweepGate, sweepSignals, type QuestionOutcome } from './evaluate-retrieval.ts';

const PAPERS = [
  { id: 'h:vasso', source: 'seed-papers.jsonl:1' },
  { id: 'doi:10.1/famus', source: 'seed-papers.jsonl:7' },
  { id: 'other', source: 'more/extra.jsonl:7' },
];

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('parseQuestions', () => {
  it('reads questions, expected references and kinds, skipping blank lines', () => {
    const text = '{"question":" What is VaSSO? ","expected":["seed-papers.jsonl:1"],"kind":"named"}\n\n{"question":"Capital of Australia?","expected":[]}\n';
    expect(parseQuestions(text, 'q.jsonl')).toEqual([
      { question: 'What is VaSSO?', expected: ['seed-papers.jsonl:1'], kind: 'named', line: 1 },
      { question: 'Capital of Australia?', expected: [], kind: 'other', line: 3 },
    ]);
  });

  it('reports every bad line with its file and line number at once', () => {
    const error = thrown(() => parseQuestions('{"question":"ok","expected":[]}\nnot json\n{"question":"","expected":[]}\n{"question":"q","expected":"x"}\n', 'q.jsonl'));
    expect(isUserError(error)).toBe(true);
    expect(error.message).toContain('q.jsonl:2: not valid JSON');
    expect(error.message).toContain('q.jsonl:3:');
    expect(error.message).toContain('q.jsonl:4: "expected" must be a list');
  });

  it('refuses a file without questions', () => {
    expect(thrown(() => parseQuestions('\n\n', 'empty.jsonl')).message).toContain('has no questions');
  });
});

describe('resolveReferences', () => {
  const question = (expected: string[]) => ({ question: 'q', expected, kind: 'other', line: 5 });

  it('resolves paper ids and sources, including a source given without its folder', () => {
    expect(resolveReferences([question(['doi:10.1/famus', 'seed-papers.jsonl:1']), question(['extra.jsonl:7']), question([])], PAPERS, 'q.jsonl')).toEqual([
      ['doi:10.1/famus', 'h:vasso'],
      ['other'],
      [],
    ]);
  });

  it('names the question line of a reference that matches no paper', () => {
    const error = thrown(() => resolveReferences([question(['seed-papers.jsonl:12'])], PAPERS, 'q.jsonl'));
    expect(isUserError(error)).toBe(true);
    expect(error.message).toContain('q.jsonl:5: "seed-papers.jsonl:12" matches no paper');
  });

  it('does not guess between two papers that share a line number', () => {
    const twins = [
      { id: 'one', source: 'a/x.jsonl:7' },
      { id: 'two', source: 'b/x.jsonl:7' },
    ];
    expect(thrown(() => resolveReferences([question(['x.jsonl:7'])], twins, 'q.jsonl')).message).toContain('matches 2 papers');
  });
});

describe('ranking helpers', () => {
  it('ranks papers by their first passage', () => {
    expect(distinctPapers(['a', 'b', 'a', 'c', 'b'])).toEqual(['a', 'b', 'c']);
  });

  it('gives the 1-based rank of the first expected paper, or null', () => {
    expect(firstHitRank(['a', 'b', 'c'], ['c', 'b'])).toBe(2);
    expect(firstHitRank(['a', 'b'], ['z'])).toBeNull();
  });
});

describe('summarize', () => {
  const outcomes: QuestionOutcome[] = [
    { expected: ['a'], ranked: ['a', 'b'], refused: false }, // rank 1
    { expected: ['c'], ranked: ['a', 'b', 'c'], refused: true }, // rank 3, wrongly refused
    { expected: ['d', 'e'], ranked: ['a', 'b', 'c', 'x', 'e', 'd'], refused: false }, // rank 5 (e)
    { expected: ['z'], ranked: ['a'], refused: false }, // missed
    { expected: [], ranked: ['a'], refused: true }, // rightly refused
    { expected: [], ranked: ['b'], refused: false }, // answered what it should have refused
  ];

  it('computes recall@k and MRR over answerable questions only', () => {
    const m = summarize(outcomes);
    expect(m).toMatchObject({ questions: 6, answerable: 4, unanswerable: 2, recallAt1: 0.25, recallAt3: 0.5, recallAt5: 0.75 });
    expect(m.mrr).toBeCloseTo((1 + 1 / 3 + 1 / 5 + 0) / 4);
  });

  it('computes refusal precision and recall over all questions', () => {
    const m = summarize(outcomes);
    expect(m.refused).toBe(2);
    expect(m.refusalPrecision).toBe(0.5);
    expect(m.refusalRecall).toBe(0.5);
  });

  it('reports null rather than a made-up number when a metric has nothing to count', () => {
    const m = summarize([{ expected: ['a'], ranked: ['a'], refused: false }]);
    expect(m.refusalPrecision).toBeNull();
    expect(m.refusalRecall).toBeNull();
    expect(summarize([{ expected: [], ranked: [], refused: true }]).recallAt1).toBeNull();
  });

  it('groups outcomes by kind', () => {
    const byKind = summarizeBy(outcomes, ['named', 'named', 'multi', 'named', 'none', 'none']);
    expect([...byKind.keys()]).toEqual(['named', 'multi', 'none']);
    expect(byKind.get('named')?.recallAt3).toBeCloseTo(2 / 3);
    expect(byKind.get('none')?.refusalRecall).toBe(0.5);
  });
});

describe('sweepGate', () => {
  const samples = [
    { answerable: true, top: [{ coverage: 0.9, similarity: 0.5 }] },
    { answerable: true, top: [{ coverage: 0.2, similarity: 0.8 }] }, // a paraphrase: few shared words, close in meaning
    { answerable: false, top: [{ coverage: 0.1, similarity: 0.4 }] },
    { answerable: false, top: [] }, // nothing retrieved at all
  ];

  it('replays the gate for each pair of thresholds', () => {
    const points = sweepGate(samples, [0.15, 0.5], [undefined, 0.7]);
    expect(points).toHaveLength(4);
    const at = (c: number, s: number | undefined) => points.find((p) => p.gateMinCoverage === c && p.gateMinSimilarity === s);
    expect(at(0.5, undefined)).toMatchObject({ refusalPrecision: 2 / 3, refusalRecall: 1, falseRefusals: 1 });
    expect(at(0.5, 0.7)).toMatchObject({ refusalPrecision: 1, refusalRecall: 1, falseRefusals: 0 });
    expect(at(0.15, undefined)).toMatchObject({ refusalPrecision: 1, refusalRecall: 1, falseRefusals: 0 });
  });
});

describe('sweepSignals', () => {
  const large = { corpusPassages: 5_000, missingRareShare: 0, terms: 5, bestMatchedTerms: 5, bm25Standout: null, similarityZ: null };
  const samples = [
    { answerable: true, top: [{ coverage: 0.9, similarity: null }], question: { ...large, unseenShare: 0 } },
    { answerable: true, top: [{ coverage: 0.5, similarity: null }], question: { ...large, unseenShare: 0.1 } }, // one word misspelt
    { answerable: false, top: [{ coverage: 0.53, similarity: null }], question: { ...large, unseenShare: 0.2 } }, // "quicksort"
  ];

  it('varies one signal threshold at a time, the others at their defaults, and Infinity turns a veto off', () => {
    const points = sweepSignals(samples, { gateMinCoverage: 0.3, gateMinSimilarity: undefined }, { gateMaxUnseenShare: [0.05, 0.15, Infinity] });
    expect(points.map((p) => [p.value, p.refusalRecall, p.falseRefusals])).toEqual([
      [0.05, 1, 1],
      [0.15, 1, 0],
      [Infinity, 0, 0],
    ]);
  });
});
