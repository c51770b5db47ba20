/**
 * Answers without a language model: the sentences that share the question's rarest words, each cited with
 * the number of its passage.
 */
import { describe, expect, it } from 'vitest';
import { extractiveAnswer, sameStem } from './extractive-answer.ts';

const PASSAGES = [
  { n: 1, text: 'Noisy labels hurt deep networks. FaMUS approximates the meta gradient to save training time. It works on CIFAR.' },
  { n: 2, text: 'Sharpness aware minimization seeks flat minima. Training time is a concern for it.' },
  { n: 3, text: 'AdvGAN generates adversarial examples. The generator is trained once.' },
];

describe('extractiveAnswer', () => {
  it('picks the sentence sharing the rarest question words and cites its passage', () => {
    const idf = new Map([
      ['famus', 5],
      ['approximate', 3],
      ['training', 1],
      ['time', 1],
    ]);
    const answer = extractiveAnswer({ terms: ['famus', 'approximate', 'training', 'time'], idf }, PASSAGES, { maxSentences: 1 });
    expect(answer).toEqual({ text: 'FaMUS approximates the meta gradient to save training time [1].', cited: [1] });
  });

  it('cites each sentence with the number of the passage it came from', () => {
    const idf = new Map([
      ['training', 2],
      ['adversarial', 2],
      ['noisy', 1],
    ]);
    const answer = extractiveAnswer({ terms: ['training', 'adversarial', 'noisy'], idf }, PASSAGES, { maxSentences: 5 });
    expect(answer.text).toContain('Training time is a concern for it [2].');
    expect(answer.text).toContain('AdvGAN generates adversarial examples [3].');
    expect(answer.text).toContain('Noisy labels hurt deep networks [1].');
    expect(new Set(answer.cited)).toEqual(new Set([1, 2, 3]));
  });

  it('uses at most maxSentences sentences', () => {
    const idf = new Map([['training', 1]]);
    for (const maxSentences of [1, 2]) {
      const answer = extractiveAnswer({ terms: ['training'], idf }, PASSAGES, { maxSentences });
      expect(answer.text.match(/\[\d\]/g)).toHaveLength(maxSentences);
    }
  });

  it('falls back to the opening sentences when no question word matches', () => {
    const answer = extractiveAnswer({ terms: ['australia'], idf: new Map([['australia', 4]]) }, PASSAGES);
    expect(answer).toEqual({ text: 'Noisy labels hurt deep networks [1]. Sharpness aware minimization seeks flat minima [2].', cited: [1, 2] });
  });

  it('adds a full stop after the citation of a sentence without one, and keeps ? and !', () => {
    const answer = extractiveAnswer({ terms: ['famus'], idf: new Map([['famus', 1]]) }, [
      { n: 4, text: 'Why does FaMUS help?' },
      { n: 5, text: 'FaMUS wins' },
    ]);
    expect(answer.text).toBe('Why does FaMUS help [4]? FaMUS wins [5].');
  });

  it('says nothing, and cites nothing, without passages', () => {
    expect(extractiveAnswer({ terms: ['famus'], idf: new Map([['famus', 1]]) }, [])).toEqual({ text: '', cited: [] });
  });
});

describe('sameStem', () => {
  it('matches inflections of one word and not short or different words', () => {
    expect(sameStem('approximate', 'approximates')).toBe(true);
    expect(sameStem('approximate', 'approximation')).toBe(true);
    expect(sameStem('training', 'train')).toBe(true);
    expect(sameStem('net', 'nets')).toBe(false);
    expect(sameStem('adversarial', 'adverse')).toBe(false);
  });
});
