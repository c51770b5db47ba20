/**
 * Splits text longer than one Discord message (2,000 characters) into several, cutting at the cleanest
 * boundary available: a paragraph, else a line, else a sentence end, else a space; only a single word longer
 * than a message is cut mid-word. A code block cut in two is closed and reopened so both halves render.
 */
import { LIMITS, graphemePrefix } from './limits.ts';

const FENCE = '```';

export function splitMessage(text: string, max: number = LIMITS.content): string[] {
  const hasFences = text.includes(FENCE);
  // Room to close and reopen a code block around a cut.
  const budget = hasFences ? max - (FENCE.length + 1) * 2 : max;
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const cut = findCut(rest, budget);
    let chunk = rest.slice(0, cut).trimEnd();
    rest = rest.slice(cut).replace(/^\s+/, '');
    if (hasFences && countFences(chunk) % 2 === 1) {
      const opener = /```[^\s`]*/.exec(chunk.slice(chunk.lastIndexOf(FENCE)))?.[0] ?? FENCE;
      chunk = `${chunk}\n${FENCE}`;
      rest = `${opener}\n${rest}`;
    }
    if (chunk !== '') chunks.push(chunk);
  }
  if (rest !== '') chunks.push(rest);
  return chunks;
}

/** Where to end the first chunk of `text` (at most `max` characters). */
function findCut(text: string, max: number): number {
  const window = text.slice(0, max + 1);
  // A boundary in the first third would make a stubby message; a cruder cut later is better.
  const floor = Math.floor(max / 3);
  const paragraph = window.lastIndexOf('\n\n');
  if (paragraph > floor) return paragraph;
  const line = window.lastIndexOf('\n');
  if (line > floor) return line;
  let sentence = -1;
  for (const match of window.matchAll(/[.!?…][)\]"'»”’*_]*(?=\s)/gu)) {
    const end = match.index + match[0].length;
    if (end <= max) sentence = end;
  }
  if (sentence > floor) return sentence;
  const space = window.search(/\s\S*$/);
  if (space > floor) return space;
  // No boundary at all: a hard cut, never inside a grapheme (a surrogate pair, an emoji with its modifier).
  return graphemePrefix(text, max).length || max;
}

function countFences(text: string): number {
  return text.split(FENCE).length - 1;
}
