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
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The longest start of `text` at most `max` UTF-16 units long that ends between two graphemes: never half
 * a surrogate pair, an emoji without its modifier or a letter without its accent.
 */
export function graphemePrefix(text: string, max: number): string {
  if (text.length <= max) return text;
  // Latin text and the like (below the combining marks, U+0300) cannot join across the cut: no segmenting.
  if (max > 0 && text.charCodeAt(max - 1) < 0x300 && text.charCodeAt(max) < 0x300) return text.slice(0, max);
  // Segmenting is slow (about 5 µs a grapheme); graphemes are short, so a window before the cut will do.
  const start = Math.max(0, max - 256);
  let end = start;
  for (const { index, segment } of GRAPHEMES.segment(text.slice(start, max + 64))) {
    if (start + index + segment.length > max) break;
    end = start + index + segment.length;
  }
  return text.slice(0, end);
}

/** `text` cut to at most `max` characters, at a word boundary when one is near, ending in "…" when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return graphemePrefix(text, max);
  const room = graphemePrefix(text, max - ELLIPSIS.length);
  const space = room.search(/\s\S*$/);
  const cut = space > max * 0.6 ? room.slice(0, space) : room;
  // A trailing backslash would escape the ellipsis (and show itself).
  return `${cut.replace(/[\s,;:.–—\\-]+$/u, '')}${ELLIPSIS}`;
}

/** Like truncate, but prefers to end at a sentence end (for abstracts). */
export function truncateAtSentence(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = graphemePrefix(text, max - ELLIPSIS.length - 1);
  const end = Math.max(room.lastIndexOf('. '), room.lastIndexOf('? '), room.lastIndexOf('! '));
  if (end > max * 0.5) return `${room.slice(0, end + 1)} ${ELLIPSIS}`;
  return truncate(text, max);
}

/** One line, no Markdown that could break a list or a heading; for titles in lists and button labels. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The URL as paperbot sends it: normalized (`new URL(u).href`, so spaces and <> are percent-encoded and a
 * link in <> cannot end early), http(s) only, without user info (`https://bank.example@evil.example`), at
 * most `max` characters (Discord's 512 for a link button); null when unusable, and the caller drops the
 * link or the button, never the message.
 */
export function linkUrl(url: string | null | undefined, max: number = LIMITS.buttonUrl): string | null {
  if (typeof url !== 'string' || !URL.canParse(url.trim())) return null;
  const parsed = new URL(url.trim());
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username !== '' || parsed.password !== '') return null;
  return parsed.href.length <= max ? parsed.href : null;
}

/** Longest URL shown in a message's text (no Discord limit but the message's own). */
const TEXT_URL_MAX = 1_000;

/** ` <url>` after a source line: the normalized link in <> (no preview), or nothing when it is unusable. */
export function sourceLink(url: string | null | undefined): string {
  const href = linkUrl(url, TEXT_URL_MAX);
  return href === null ? '' : ` <${href}>`;
}

/** A string Discord accepts as a button or embed URL. */
export function isLinkable(url: string | null | undefined): url is string {
  return linkUrl(url) !== null;
}
