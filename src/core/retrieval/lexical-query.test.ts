/**
 * The lexical match set: the question's rarest terms within a budget of postings, names always kept, and
 * what that does to a retrieval (the common word no longer decides which passages are scored).
 */
import { describe, expect, it } from 'vitest';
import { paper } from '../../../tests/support/paper-fixture.ts';
import { retrieve } from './hybrid-search.ts';
import { lexicalMatchTerms, namedTerms } from './lexical-query.ts';
import { MemoryPaperStore } from './memory-paper-store.fixture.ts';

/** Document frequencies as given (a term left out occurs in no passage). */
function frequencies(df: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(df));
}

describe('lexicalMatchTerms', () => {
  it('leaves out the common terms once the rare ones use up the budget, keeping the question order', () => {
    const store = frequencies({ learning: 9_000, sharpness: 40, noisy: 300, labels: 1_100 });
    expect(lexicalMatchTerms('learning sharpness noisy labels', ['learning', 'sharpness', 'noisy', 'labels'], store, { postingBudget: 1_500 })).toEqual([
      'sharpness',
      'noisy',
      'labels',
    ]);
    expect(lexicalMatchTerms('learning sharpness noisy labels', ['learning', 'sharpness', 'noisy', 'labels'], store, { postingBudget: 500 })).toEqual(['sharpness', 'noisy']);
  });

  it('keeps the rarest term of a question made only of common words, however frequent', () => {
    const store = frequencies({ deep: 20_000, learning: 60_000, models: 50_000 });
    expect(lexicalMatchTerms('deep learning models', ['deep', 'learning', 'models'], store, { postingBudget: 1_500 })).toEqual(['deep']);
  });

  it('keeps acronyms and method names typed as names whatever their frequency', () => {
    const store = frequencies({ vasso: 5_000, sharpness: 40, training: 30_000 });
    expect(lexicalMatchTerms('Does VaSSO help training sharpness?', ['vasso', 'help', 'training', 'sharpness'], store, { postingBudget: 100 })).toEqual(['vasso', 'sharpness']);
  });

  it('caps the number of matched terms, dropping the most common first', () => {
    const store = frequencies({ aa: 4, bb: 1, cc: 3, dd: 2 });
    expect(lexicalMatchTerms('aa bb cc dd', ['aa', 'bb', 'cc', 'dd'], store, { maxTerms: 2, postingBudget: 1_000 })).toEqual(['bb', 'dd']);
  });

  it('leaves out terms no passage contains (they cannot match)', () => {
    expect(lexicalMatchTerms('capital australia', ['capital', 'australia'], frequencies({ capital: 3 }))).toEqual(['capital']);
  });
});

describe('namedTerms', () => {
  it('recognises capitalised acronyms, mixed-case names and names with digits, not ordinary words', () => {
    expect([...namedTerms('How does GAMD compare with FaMUS, ResNet50 and the Transformer?')]).toEqual(['gamd', 'famus', 'resnet50']);
  });
});

describe('retrieve with the lexical match set', () => {
  it('asks the store only for the rare term when the common one would cost more than the budget, and still finds its paper', async () => {
    const common = Array.from({ length: 1_600 }, (_, i) => paper(`p${i}`, { abstract: `Deep learning models for learning task number ${i}.` }));
    const rare = paper('rare', { abstract: 'Learning with sharpness-aware minimization under label noise.' });
    const papers = [...common, rare];
    const store = new MemoryPaperStore(papers.map((p, i) => ({ id: i + 1, paperId: p.id, ord: 0, text: p.abstract })), papers);
    const result = await retrieve('learning sharpness', { store }, { topK: 3, maxPassagesPerPaper: 1, gateMinCoverage: 0, gateMinSimilarity: undefined });
    expect(store.lexicalCalls.at(-1)?.terms).toEqual(['sharpness']);
    expect(result.closest.map((p) => p.id)).toEqual(['rare']);
  });
});
