/**
 * The citation check: only `[n]` with a number n that was given is a citation. Whatever notation the model
 * uses, a number that was not given is removed from the text, so an invented citation never reaches a
 * reader, and a given number in another notation becomes `[n]`, so it points at its source.
 *
 * Read as citations (n a number, with ASCII or fullwidth digits):
 *   [n]  [n, m]  [n; m]  [n & m]  [n and m]  [n-m]  [n–m]  [n to m]  [n][m]  [ n ]
 *   [-n] [−n]    (negative: never given)      [^n] (footnote)   [#n]   [[n]]
 *   【n】 【n†source】 【n:0†source】 [n†source] [n†L1-L5]   ［ｎ］ [１２]  〔n〕 〖n〗
 *   [ref n] [refs n, m] [Ref. n] [reference n] [source n] [Source: n] [passage n] [doc n] [citation n] [cite n] [no. n]
 *   word¹² (superscript digits right after a word of three letters or more)
 * Not read as citations, on purpose: `(n)` (enumerations "(1) … (2) …", equation numbers), `^n` and
 * superscripts after a short word or a digit (powers and units: x^2, m², 10³), numbers in prose.
 */

export interface CheckedCitations {
  text: string;
  /** Valid passage numbers in order of first citation. */
  cited: number[];
  /** Numbers the model wrote that were not given, in order of appearance (deduplicated). */
  removed: number[];
}

/** Marks where a citation was removed, so only those places are tidied. */
const REMOVED = '\uE000';

const OPEN = String.raw`(?:\[\[|\[|［|【|〔|〖)`;
const CLOSE = String.raw`(?:\]\]|\]|］|】|〕|〗)`;
const NUMBER = String.raw`[-−－]?[0-9０-９]+`;
const LABEL = String.raw`(?:[\^#＃]|(?:refs?|references?|sources?|passages?|docs?|documents?|citations?|cite|no)\.?\s*:?\s*)`;
const SEPARATOR = String.raw`\s*(?:,|;|&|、|，|；|and|-|–|—|−|~|～|to)\s*`;
const SUFFIX = String.raw`(?::[0-9]+)?(?:\s*†[^\]］】〕〗\n]{0,40})?`;
const BRACKETED = new RegExp(String.raw`\s?${OPEN}\s*(${LABEL}?${NUMBER}(?:${SEPARATOR}${LABEL}?${NUMBER})*)${SUFFIX}\s*${CLOSE}`, 'giu');
const SUPERSCRIPT = /(?<=\p{L}{3})[⁰¹²³⁴⁵⁶⁷⁸⁹]+(?=[\s.,;:!?)\]]|$)/gu;

export function checkCitations(text: string, valid: ReadonlySet<number>): CheckedCitations {
  const cited: number[] = [];
  const removed: number[] = [];
  const rewrite = (numbers: readonly number[], space: string): string => {
    const kept = numbers.filter((n) => valid.has(n));
    for (const n of numbers) {
      const list = valid.has(n) ? cited : removed;
      if (!list.includes(n)) list.push(n);
    }
    if (kept.length === 0) return REMOVED;
    return `${space}${[...new Set(kept)].map((n) => `[${n}]`).join('')}`;
  };
  const checked = text
    .replace(BRACKETED, (match, inner: string) => rewrite(expand(inner), /^\s/.test(match) ? (match[0] ?? '') : ''))
    .replace(SUPERSCRIPT, (digits) => rewrite([Number(digits.normalize('NFKC'))], ' '));
  return { text: tidy(checked), cited, removed };
}

function expand(inner: string): number[] {
  const numbers: number[] = [];
  const plain = inner.normalize('NFKC').replace(/−/g, '-');
  for (const part of plain.split(/\s*(?:[,;&、，；]|\band\b)\s*/i)) {
    const item = part.replace(/^[\^#]|^[a-z]+\.?\s*:?\s*/i, '').trim();
    const range = /^(\d+)\s*(?:-|–|—|~|to)\s*(?:[a-z]+\.?\s*)?(\d+)$/i.exec(item);
    if (range?.[1] !== undefined && range[2] !== undefined) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      // A "range" of hundreds is not a citation list; keep its ends only.
      if (to >= from && to - from <= 20) for (let n = from; n <= to; n++) numbers.push(n);
      else numbers.push(from, to);
    } else if (/^-?\d+$/.test(item)) {
      numbers.push(Number(item));
    }
  }
  return numbers;
}

/** Removing a citation can leave " ." or double spaces behind. Leading indentation is kept: it nests Markdown lists. */
function tidy(text: string): string {
  return text
    .replace(/[ \t]*\uE000+(?=[.,;:!?])/g, '')
    .replace(/[ \t]*\uE000+[ \t]*/g, (gap: string, offset: number, whole: string) => {
      const atLineStart = offset === 0 || whole[offset - 1] === '\n';
      const atLineEnd = offset + gap.length >= whole.length || whole[offset + gap.length] === '\n';
      return atLineStart || atLineEnd ? '' : ' ';
    })
    .trim();
}
