/**
 * Discord's limits, enforced in code (Discord answers 400 Invalid Form Body past any of them), and the
 * truncation helpers that keep text inside them without cutting words in half.
 */
export const LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFields: 25,
  embedFooter: 2048,
  embedAuthor: 256,
  embedTotal: 6000,
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
  buttonLabel: 80,
  buttonsPerRow: 5,
  rows: 5,
  customId: 100,
  buttonUrl: 512,
  threadName: 100,
} as const;

const ELLIPSIS = '…';

/** `text` cut to at most `max` characters, at a word boundary when one is near, ending in "…" when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, max);
  const room = text.slice(0, max - ELLIPSIS.length);
  const space = room.search(/\s\S*$/);
  const cut = space > max * 0.6 ? room.slice(0, space) : room;
  return `${cut.replace(/[\s,;:.–—-]+$/u, '')}${ELLIPSIS}`;
}

/** Like truncate, but prefers to end at a sentence end (for abstracts). */
export function truncateAtSentence(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max - ELLIPSIS.length - 1);
  const end = Math.max(room.lastIndexOf('. '), room.lastIndexOf('? '), room.lastIndexOf('! '));
  if (end > max * 0.5) return `${room.slice(0, end + 1)} ${ELLIPSIS}`;
  return truncate(text, max);
}

/** One line, no Markdown that could break a list or a heading; for titles in lists and button labels. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A string Discord accepts as a link (button or embed URL): http(s), parseable, not too long. */
export function isLinkable(url: string | null | undefined): url is string {
  return typeof url === 'string' && url.length <= LIMITS.buttonUrl && /^https?:\/\//i.test(url) && URL.canParse(url);
}
