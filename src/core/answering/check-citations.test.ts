/**
 * The citation check: a number the model wrote that was not one of the passages given never reaches a reader,
 * whatever form the citation takes, and the text around it stays tidy.
 */
import { describe, expect, it } from 'vitest';
import { checkCitations } from './check-citations.ts';

const SIX = new Set([1, 2, 3, 4, 5, 6]);

describe('checkCitations', () => {
  it('keeps valid citations as they are', () => {
    expect(checkCitations('VaSSO stabilises SAM [1]. FaMUS saves time [2].', SIX)).toEqual({
      text: 'VaSSO stabilises SAM [1]. FaMUS saves time [2].',
      cited: [1, 2],
      removed: [],
    });
  });

  it('removes [9] when passages 1..6 were given, leaving no stray space before the full stop', () => {
    expect(checkCitations('FaMUS approximates the meta gradient [9].', SIX)).toEqual({ text: 'FaMUS approximates the meta gradient.', cited: [], removed: [9] });
  });

  it('tidies the punctuation after a removed citation', () => {
    expect(checkCitations('First [9], then [2]; finally [7]: done [8]!', SIX).text).toBe('First, then [2]; finally: done!');
  });

  it('keeps the valid numbers of a list: [1, 9] becomes [1]', () => {
    expect(checkCitations('Both agree [1, 9].', SIX)).toEqual({ text: 'Both agree [1].', cited: [1], removed: [9] });
    expect(checkCitations('Both agree [3; 10; 4].', SIX)).toEqual({ text: 'Both agree [3][4].', cited: [3, 4], removed: [10] });
  });

  it('expands ranges, keeping only the given numbers', () => {
    expect(checkCitations('Several show it [1-3].', SIX)).toEqual({ text: 'Several show it [1][2][3].', cited: [1, 2, 3], removed: [] });
    expect(checkCitations('Several show it [5–8].', SIX)).toEqual({ text: 'Several show it [5][6].', cited: [5, 6], removed: [7, 8] });
  });

  it('handles adjacent citations: [2][7] becomes [2]', () => {
    expect(checkCitations('It is robust [2][7] in practice.', SIX)).toEqual({ text: 'It is robust [2] in practice.', cited: [2], removed: [7] });
  });

  it('lists cited numbers in order of first citation, each once', () => {
    const checked = checkCitations('A [4]. B [2][4]. C [1, 2]. D [9]. E [9].', SIX);
    expect(checked.cited).toEqual([4, 2, 1]);
    expect(checked.removed).toEqual([9]);
  });

  it('leaves numbers in the prose alone (years, counts) unless they are bracketed', () => {
    expect(checkCitations('Published in 2019 with 12 authors [3], improving PSNR by 33.17% [4].', SIX).text).toBe(
      'Published in 2019 with 12 authors [3], improving PSNR by 33.17% [4].',
    );
    expect(checkCitations('As shown in [2019], this holds.', SIX).text).toBe('As shown in, this holds.');
  });

  it('removes [0] and citations at the start of the text', () => {
    expect(checkCitations('[0] Nothing here [7]', SIX)).toEqual({ text: 'Nothing here', cited: [], removed: [0, 7] });
  });

  it('keeps line breaks and the indentation of nested lists', () => {
    const text = 'Findings:\n- VaSSO [1]\n  - stabilises SAM [9]\n  - generalises [2]\n\nIn short [3].';
    expect(checkCitations(text, SIX).text).toBe('Findings:\n- VaSSO [1]\n  - stabilises SAM\n  - generalises [2]\n\nIn short [3].');
  });

  it('leaves spacing alone where no citation was removed', () => {
    expect(checkCitations('Is it flat ? Yes : mostly [1].', SIX).text).toBe('Is it flat ? Yes : mostly [1].');
  });

  describe('every notation a reader takes for a citation (the list in check-citations.ts)', () => {
    // Given: 1..6. Each notation once with a given number (it must become [n]) and once with one not given
    // (it must disappear, leaving nothing that looks like a citation).
    const NOTATIONS: Array<[string, string, string]> = [
      ['[2]', '[9]', '[2]'],
      ['[2, 3]', '[9, 12]', '[2][3]'],
      ['[2; 3]', '[9; 12]', '[2][3]'],
      ['[2 & 3]', '[9 & 12]', '[2][3]'],
      ['[2 and 3]', '[9 and 12]', '[2][3]'],
      ['[2-4]', '[12-14]', '[2][3][4]'],
      ['[2–4]', '[12–14]', '[2][3][4]'],
      ['[2 to 4]', '[12 to 14]', '[2][3][4]'],
      ['[ 2 ]', '[ 9 ]', '[2]'],
      ['[^2]', '[^12]', '[2]'],
      ['[#2]', '[#12]', '[2]'],
      ['[[2]]', '[[12]]', '[2]'],
      ['【2】', '【12】', '[2]'],
      ['【2†source】', '【12†source】', '[2]'],
      ['【2:0†source】', '【12:0†source】', '[2]'],
      ['[2†source]', '[12†source]', '[2]'],
      ['[2†L1-L5]', '[12†L1-L5]', '[2]'],
      ['［２］', '［１２］', '[2]'],
      ['[２]', '[１２]', '[2]'],
      ['［２，３］', '［１２，１３］', '[2][3]'],
      ['〔2〕', '〔12〕', '[2]'],
      ['〖2〗', '〖12〗', '[2]'],
      ['[ref 2]', '[ref 12]', '[2]'],
      ['[Ref. 2]', '[Ref. 12]', '[2]'],
      ['[refs 2, 3]', '[refs 12, 13]', '[2][3]'],
      ['[reference 2]', '[reference 12]', '[2]'],
      ['[Source 2]', '[Source 12]', '[2]'],
      ['[Source: 2]', '[Source: 12]', '[2]'],
      ['[sources 2, 3]', '[sources 12, 13]', '[2][3]'],
      ['[Passage 2]', '[Passage 12]', '[2]'],
      ['[passages 2-3]', '[passages 12-13]', '[2][3]'],
      ['[doc 2]', '[doc 12]', '[2]'],
      ['[Document 2]', '[Document 12]', '[2]'],
      ['[citation 2]', '[citation 12]', '[2]'],
      ['[cite 2]', '[cite 12]', '[2]'],
      ['[no. 2]', '[no. 12]', '[2]'],
    ];

    it.each(NOTATIONS)('%s is a citation of 2 and %s disappears', (given, notGiven, canonical) => {
      expect(checkCitations(`FaMUS saves time ${given}.`, SIX).text).toBe(`FaMUS saves time ${canonical}.`);
      const checked = checkCitations(`FaMUS saves time ${notGiven}.`, SIX);
      expect(checked.text).toBe('FaMUS saves time.');
      expect(checked.cited).toEqual([]);
      expect(checked.removed.length).toBeGreaterThan(0);
    });

    it.each([['[-1]'], ['[−1]'], ['[0]'], ['[-2]']])('%s is never a citation', (notation) => {
      expect(checkCitations(`It holds ${notation}.`, SIX).text).toBe('It holds.');
    });

    it('reads superscript digits after a word as a citation, not after a digit or a short unit', () => {
      expect(checkCitations('The meta gradient² is approximated.', SIX).text).toBe('The meta gradient [2] is approximated.');
      expect(checkCitations('The meta gradient¹² is approximated.', SIX)).toMatchObject({ text: 'The meta gradient is approximated.', removed: [12] });
      expect(checkCitations('An area of 3 m² and 10³ steps [1].', SIX).text).toBe('An area of 3 m² and 10³ steps [1].');
    });

    it('leaves enumerations, equation numbers and powers alone', () => {
      const prose = 'It (1) saves time and (2) memory; see Eq. (12), where x^2 and 2^12 grow [1].';
      expect(checkCitations(prose, SIX).text).toBe(prose);
    });

    it('a mix of notations in one answer keeps only the given numbers, each as [n]', () => {
      const checked = checkCitations('VaSSO [^1] and FaMUS 【2†source】 differ ［１２］; both [Source 3, 14].', SIX);
      expect(checked).toEqual({ text: 'VaSSO [1] and FaMUS [2] differ; both [3].', cited: [1, 2, 3], removed: [12, 14] });
    });
  });
});
