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
});
