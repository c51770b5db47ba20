/**
 * The relevance gate's signals, one at a time: each can pass or refuse a question on its own, the vetoes
 * only in a corpus large enough to have a vocabulary, and never when the gate is off.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE, GATE_OFF, decideGate, questionEvidence, requiredTogether, shortestSpan, specificMaxDf, type QuestionEvidence } from './relevance-gate.ts';

const GATE = { gateMinCoverage: 0.3, gateMinSimilarity: undefined };
const LARGE = 5_000;

function evidence(overrides: Partial<QuestionEvidence> = {}): QuestionEvidence {
  return { corpusPassages: LARGE, unseenShare: 0, missingRareShare: 0, terms: 5, bestMatchedTerms: 5, bm25Standout: null, similarityZ: null, ...overrides };
}

describe('questionEvidence', () => {
  const documentFrequencies = new Map([
    ['network', 1_300],
    ['pruning', 40],
    ['basketball', 2],
    ['court', 4],
  ]);
  const base = { documentFrequencies, corpusPassages: LARGE, lexicalScores: [], denseSimilarities: [] };

  it('counts the question terms the corpus has never seen', () => {
    const e = questionEvidence({ ...base, terms: ['network', 'pruning', 'sourdough', 'crust'], bestMatched: new Set(['network']) });
    expect(e.unseenShare).toBe(0.5);
  });

  it('counts the rare terms the best passage lacks, but not the rare ones it holds', () => {
    const e = questionEvidence({ ...base, terms: ['basketball', 'court', 'network', 'pruning'], bestMatched: new Set(['basketball', 'network']) });
    // court (4 of 5,000) is rare and missing; basketball is rare but matched; network and pruning are not rare.
    expect(e.missingRareShare).toBe(0.25);
    expect(e).toMatchObject({ terms: 4, bestMatchedTerms: 2 });
  });

  it('measures how far the best BM25 score stands out, and the best similarity in standard deviations', () => {
    const e = questionEvidence({ ...base, terms: ['network'], bestMatched: new Set(), lexicalScores: [9, 3, 3], denseSimilarities: [0.9, 0.5, 0.5, 0.5] });
    expect(e.bm25Standout).toBe(3);
    expect(e.similarityZ).toBeCloseTo(Math.sqrt(3));
    expect(questionEvidence({ ...base, terms: ['network'], bestMatched: new Set(), lexicalScores: [9], denseSimilarities: [] })).toMatchObject({ bm25Standout: null, similarityZ: null });
  });

  it('measures the proximity of the matched words in the best passage, stems and all', () => {
    const text = 'We prune networks. Many unrelated words sit here before the removal of redundant neurons by fusion.';
    // "pruning" and "networks" are adjacent as "prune networks"; three words need the stretch up to "neurons".
    expect(shortestSpan(text, new Set(['pruning', 'network']))).toBe(2);
    expect(shortestSpan(text, new Set(['pruning', 'network', 'neurons']))).toBe(13);
    expect(shortestSpan(text, new Set(['neuron', 'fusion', 'redundant']))).toBe(4);
    expect(shortestSpan(text, new Set(['pruning', 'sourdough']))).toBeNull();
    expect(shortestSpan('Signal processing for an operating system.', new Set(['process', 'system']))).toBe(5);
    const e = questionEvidence({ ...base, terms: ['pruning', 'network'], bestMatched: new Set(['pruning', 'network']), bestText: text });
    expect(e.bestSpan).toBe(2);
  });
});

describe('decideGate', () => {
  it('passes on coverage of the question by one passage', () => {
    expect(decideGate([{ coverage: 0.31, similarity: null }], GATE, evidence()).passed).toBe(true);
    expect(decideGate([{ coverage: 0.29, similarity: null }], GATE, evidence())).toMatchObject({ passed: false, reason: expect.stringMatching(/coverage 0\.29 < 0\.3, no specific term/) });
  });

  it('passes a paraphrase that shares a specific term with its passage, though it covers little of the question', () => {
    const paraphrase = [{ coverage: 0.12, similarity: null, specificMatches: 1 }];
    expect(decideGate(paraphrase, GATE, evidence({ corpusPassages: 11 }))).toMatchObject({ passed: true, specificMatches: 1 });
    expect(decideGate([{ coverage: 0.12, similarity: null, specificMatches: 0 }], GATE, evidence({ corpusPassages: 11 })).passed).toBe(false);
    expect(decideGate([{ coverage: DEFAULT_GATE.gateMinSpecificCoverage - 0.01, similarity: null, specificMatches: 2 }], GATE).passed).toBe(false);
  });

  it('takes no specific term as evidence when most of the question is unknown to the corpus', () => {
    const restoration = [{ coverage: 0.2, similarity: null, specificMatches: 1 }];
    expect(decideGate(restoration, GATE, evidence({ corpusPassages: 11, unseenShare: 2 / 3 })).passed).toBe(false);
    expect(decideGate(restoration, GATE, evidence({ corpusPassages: 11, unseenShare: 0.5 })).passed).toBe(true);
  });

  it('refuses in a large corpus when too many of the question words occur nowhere', () => {
    const strong = [{ coverage: 0.53, similarity: null, specificMatches: 1 }];
    expect(decideGate(strong, GATE, evidence({ unseenShare: 0.2 }))).toMatchObject({ passed: false, reason: expect.stringMatching(/20% of the question's words occur nowhere/) });
    expect(decideGate(strong, GATE, evidence({ unseenShare: 0.1 })).passed).toBe(true);
  });

  it('refuses in a large corpus when the rare words of the question are missing from its best passage', () => {
    const strong = [{ coverage: 0.6, similarity: null }];
    expect(decideGate(strong, GATE, evidence({ missingRareShare: 0.33 }))).toMatchObject({ passed: false, reason: expect.stringMatching(/rare in the corpus and missing/) });
    expect(decideGate(strong, GATE, evidence({ missingRareShare: 0.25 })).passed).toBe(true);
  });

  it('refuses in a large corpus when the best passage shares only a word or two with the question', () => {
    const strong = [{ coverage: 0.48, similarity: null }];
    expect(decideGate(strong, GATE, evidence({ terms: 5, bestMatchedTerms: 2 }))).toMatchObject({ passed: false, reason: expect.stringMatching(/holds 2 of the question's 5 words, fewer than 3/) });
    expect(decideGate(strong, GATE, evidence({ terms: 5, bestMatchedTerms: 3 })).passed).toBe(true);
    expect(decideGate(strong, GATE, evidence({ terms: 3, bestMatchedTerms: 2 })).passed).toBe(true);
    expect([1, 2, 3, 4, 5, 12].map((n) => requiredTogether(n))).toEqual([1, 2, 2, 3, 3, 3]);
  });

  it('refuses when the matched words scatter over more words than gateMaxSpan, a veto that is off by default', () => {
    const strong = [{ coverage: 0.6, similarity: null }];
    expect(DEFAULT_GATE.gateMaxSpan).toBe(Infinity);
    expect(decideGate(strong, GATE, evidence({ bestSpan: 120 })).passed).toBe(true);
    expect(decideGate(strong, { ...GATE, gateMaxSpan: 40 }, evidence({ bestSpan: 120 }))).toMatchObject({ passed: false, reason: expect.stringMatching(/spread over 120 words \(limit 40\)/) });
    expect(decideGate(strong, { ...GATE, gateMaxSpan: 40 }, evidence({ bestSpan: 12, corpusPassages: 11 })).passed).toBe(true);
    expect(decideGate(strong, { ...GATE, gateMaxSpan: 40 }, evidence({ bestSpan: null })).passed).toBe(true);
  });

  it('applies the vocabulary vetoes from gateVetoMinPassages passages', () => {
    const passages = [{ coverage: 0.4, similarity: null }];
    expect(decideGate(passages, GATE, evidence({ corpusPassages: 800, unseenShare: 0.5 })).passed).toBe(true);
    expect(decideGate(passages, { ...GATE, gateVetoMinPassages: 500 }, evidence({ corpusPassages: 800, unseenShare: 0.5 })).passed).toBe(false);
  });

  it('applies no veto in a small corpus, whose vocabulary says nothing, nor when the gate is off', () => {
    const passages = [{ coverage: 0.4, similarity: null }];
    const everythingAgainst = { unseenShare: 0.8, missingRareShare: 0.8, terms: 6, bestMatchedTerms: 1 };
    expect(decideGate(passages, GATE, evidence({ ...everythingAgainst, corpusPassages: DEFAULT_GATE.vocabularyMinPassages - 1 })).passed).toBe(true);
    expect(decideGate(passages, GATE, evidence(everythingAgainst)).passed).toBe(false);
    expect(decideGate(passages, { ...GATE_OFF }, evidence(everythingAgainst)).passed).toBe(true);
  });

  it('calls a term specific when at most 1% of a large corpus, or 2 passages of a small one, hold it', () => {
    expect(specificMaxDf(11)).toBe(2);
    expect(specificMaxDf(5_066)).toBe(51);
  });
});
