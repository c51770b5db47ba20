/**
 * The sentence splitter and term extraction that chunking, extractive answers and the relevance gate rely on:
 * scientific prose is full of "e.g.", "et al.", "Fig. 2" and decimals, none of which end a sentence.
 */
import { describe, expect, it } from 'vitest';
import { contentTerms, normalizeText, scriptLength, segmentWords, splitSentences, wordTokens } from './text.ts';

describe('splitSentences', () => {
  it('splits ordinary prose at . ! and ?', () => {
    expect(splitSentences('It works. Does it scale? Yes! Next one.')).toEqual(['It works.', 'Does it scale?', 'Yes!', 'Next one.']);
  });

  it('does not split after "e.g." or "i.e."', () => {
    expect(splitSentences('Deep nets, e.g. Transformers, overfit. Small ones, i.e. MLPs, do not.')).toEqual([
      'Deep nets, e.g. Transformers, overfit.',
      'Small ones, i.e. MLPs, do not.',
    ]);
  });

  it('does not split after "et al."', () => {
    expect(splitSentences('Smith et al. (2020) showed it. Jones et al. Later refuted it.')).toEqual([
      'Smith et al. (2020) showed it.',
      'Jones et al. Later refuted it.',
    ]);
  });

  it('does not split "Fig. 2", "Eq. 3" or "Sec. 4"', () => {
    expect(splitSentences('See Fig. 2 for the curve. Eq. 3 gives the bound and Sec. 4 the proof.')).toEqual([
      'See Fig. 2 for the curve.',
      'Eq. 3 gives the bound and Sec. 4 the proof.',
    ]);
  });

  it('keeps decimals and percentages whole', () => {
    expect(splitSentences('Accuracy rose by 3.5 points to 91.2%. The gap is 0.7.')).toEqual(['Accuracy rose by 3.5 points to 91.2%.', 'The gap is 0.7.']);
  });

  it('collapses whitespace and newlines, and returns nothing for blank text', () => {
    expect(splitSentences('  One line.\n\n  Two   lines.  ')).toEqual(['One line.', 'Two lines.']);
    expect(splitSentences('   ')).toEqual([]);
  });
});

describe('contentTerms', () => {
  it('drops question words and function words, keeps names and numbers, each once', () => {
    expect(contentTerms('What does FaMUS approximate to save training time? What does FaMUS do in 2021?')).toEqual([
      'famus',
      'approximate',
      'save',
      'training',
      'time',
      '2021',
    ]);
  });

  it('treats case and Unicode compatibility forms alike', () => {
    expect(normalizeText('  Ｖａ SSO\tand\nSAM ')).toBe('va sso and sam');
  });
});

describe('every script', () => {
  it('splits Chinese and Japanese runs into words, the same way in a sentence and in a question', () => {
    expect(wordTokens('本文提出了一种基于标签噪声的元学习方法')).toEqual(expect.arrayContaining(['标签', '噪声', '学习', '方法']));
    expect(wordTokens('标签噪声')).toEqual(['标签', '噪声']);
    expect(wordTokens('ラベルノイズに頑健な学習手法')).toEqual(expect.arrayContaining(['ラベル', 'ノイズ', '学習', '手法']));
  });

  it('keeps one-character Chinese words and drops Chinese and Japanese function and question words', () => {
    expect(contentTerms('如何剪枝神经网络？')).toEqual(['剪', '枝', '神经', '网络']);
    expect(contentTerms('ラベルノイズとは何ですか')).toEqual(['ラベル', 'ノイズ']);
  });

  it('leaves Arabic, Cyrillic and Latin text as it was, mixed scripts split where they meet', () => {
    const arabic = 'تقليم الشبكات العصبية';
    expect(segmentWords(arabic)).toBe(arabic);
    expect(wordTokens('Обрезка нейронных сетей')).toEqual(['обрезка', 'нейронных', 'сетей']);
    expect(wordTokens('Deep-learning 深度学习 works')).toEqual(['deep', 'learning', '深度', '学习', 'works']);
  });

  it('counts a Chinese or Japanese character as three Latin letters, anything else as one', () => {
    expect(scriptLength('abc')).toBe(3);
    expect(scriptLength('剪枝ラベル')).toBe(15);
    expect(scriptLength('تقليم')).toBe(5);
  });
});
