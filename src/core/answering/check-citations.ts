/**
 * The citation check: every bracketed number the model wrote that is not one of the passages it was given
 * is removed from the text, so an invented "[9]" never reaches a reader. Handles "[2]", "[1, 3]", "[1-3]"
 * and "[1][2]".
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

const CITATION = /\s?\[(\s*\d+\s*(?:(?:,|;|-|–)\s*\d+\s*)*)\]/g;

export function checkCitations(text: string, valid: ReadonlySet<number>): CheckedCitations {
  const cited: number[] = [];
  const removed: number[] = [];
  const checked = text.replace(CITATION, (match, inner: string) => {
    const numbers = expand(inner);
    const kept = numbers.filter((n) => valid.has(n));
    for (const n of numbers) {
      const list = valid.has(n) ? cited : removed;
      if (!list.includes(n)) list.push(n);
    }
    if (kept.length === 0) return REMOVED;
    const space = match.startsWith(' ') || match.startsWith('\n') ? match[0] : '';
    return `${space}${kept.map((n) => `[${n}]`).join('')}`;
  });
  return { text: tidy(checked), cited, removed };
}

function expand(inner: string): number[] {
  const numbers: number[] = [];
  for (const part of inner.split(/[,;]/)) {
    const range = /^\s*(\d+)\s*[-–]\s*(\d+)\s*$/.exec(part);
    if (range?.[1] !== undefined && range[2] !== undefined) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      // A "range" of hundreds is not a citation list; keep its ends only.
      if (to >= from && to - from <= 20) for (let n = from; n <= to; n++) numbers.push(n);
      else numbers.push(from, to);
    } else if (part.trim() !== '') {
      numbers.push(Number(part.trim()));
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
