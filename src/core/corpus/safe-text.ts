/**
 * What text a paper may hold, checked in one place for every source (plain text and JSONL corpus files, the
 * BibTeX import, arXiv feeds and `/add`), so that no control character is ever stored, shown in a label or
 * posted to Discord, and no abstract is so large that it floods the index.
 *
 * The choices, character by character:
 * - rejected (the line or record is reported and skipped): C0 controls except tab, line feed and carriage
 *   return (those are whitespace and collapse to a space), DEL, C1 controls (U+0080–U+009F), the bidi
 *   embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069: they reorder what a reader sees, so a
 *   label could display as something else), Unicode tag characters (U+E0000–U+E007F: invisible text a
 *   language model still reads), interlinear annotation marks (U+FFF9–U+FFFB), the noncharacters U+FFFE and
 *   U+FFFF, and lone surrogates (not text in any encoding);
 * - removed silently: the invisible characters that only break words apart for search (soft hyphen,
 *   zero-width space, word joiner, U+FEFF, Mongolian vowel separator, invisible math operators), so that
 *   "Fa\u200bMUS" is found as FaMUS;
 * - kept: zero-width joiner and non-joiner (Persian, Indic scripts and emoji need them) and the bidi marks
 *   LRM, RLM and ALM, which cannot reorder text beyond their own position.
 */
import { scriptLength } from '../text.ts';

/** Shorter than this is a title, a fragment or a mistake, not an abstract (in Latin letters; see scriptLength). */
export const MIN_ABSTRACT_CHARS = 100;

/** Longer than this is not an abstract (a whole paper, a log, a file pasted into one field): 100 KB of text. */
export const MAX_ABSTRACT_CHARS = 100_000;

/** A corpus line longer than this is not parsed at all (a JSONL line carries metadata besides its abstract). */
export const MAX_LINE_CHARS = 1_000_000;

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufff9-\ufffb\ufffe\uffff]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const INVISIBLE = /[\u00ad\u180e\u200b\u2060-\u2064\ufeff]/g;

export interface UnsafeCharacter {
  /** 0-based, in UTF-16 code units. */
  index: number;
  /** `U+202E (a bidi override)`. */
  description: string;
}

/** The first character of `text` that may not be stored (see the module comment), or null. */
export function findUnsafeCharacter(text: string): UnsafeCharacter | null {
  const match = UNSAFE.exec(text);
  if (match === null) return null;
  const code = match[0].codePointAt(0) ?? 0;
  return { index: match.index, description: `U+${code.toString(16).toUpperCase().padStart(4, '0')} (${kindOf(code)})` };
}

function kindOf(code: number): string {
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return 'a control character';
  if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return 'a bidi override';
  if (code >= 0xe0000) return 'an invisible tag character';
  if (code >= 0xd800 && code <= 0xdfff) return 'half of a surrogate pair';
  return 'not a text character';
}

/** `text` without the invisible characters that only split words, whitespace collapsed, trimmed. */
export function cleanText(text: string): string {
  return text.replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

/** The text fields of a paper as any source has them, before they become a Paper. */
export interface PaperText {
  title?: string | null | undefined;
  authors?: readonly string[] | null | undefined;
  venue?: string | null | undefined;
  url?: string | null | undefined;
  id?: string | null | undefined;
  arxivId?: string | null | undefined;
  doi?: string | null | undefined;
  abstract: string;
}

export type PaperTextProblemKind = 'control-character' | 'too-short' | 'too-long';

export interface PaperTextProblem {
  kind: PaperTextProblemKind;
  /** One sentence without the location, e.g. `the title contains U+0007 (a control character)`. */
  message: string;
}

/**
 * Why these fields cannot be a paper, or null: a field holding a character that may not be stored, or an
 * abstract (as cleanText leaves it) shorter than MIN_ABSTRACT_CHARS or longer than MAX_ABSTRACT_CHARS.
 */
export function paperTextProblem(fields: PaperText): PaperTextProblem | null {
  const unsafe = unsafeFieldProblem(fields);
  if (unsafe !== null) return unsafe;
  const abstract = cleanText(fields.abstract);
  if (abstract.length > MAX_ABSTRACT_CHARS) {
    return { kind: 'too-long', message: `the abstract is ${abstract.length.toLocaleString('en-US')} characters, over the limit of ${MAX_ABSTRACT_CHARS.toLocaleString('en-US')}` };
  }
  const length = scriptLength(abstract);
  if (length < MIN_ABSTRACT_CHARS) {
    const counted = length === abstract.length ? '' : ` (${length} counting a Chinese or Japanese character as 3)`;
    return { kind: 'too-short', message: `abstract is ${abstract.length} characters${counted}, too short to be one (at least ${MIN_ABSTRACT_CHARS} expected)` };
  }
  return null;
}

/** The first field holding a character that may not be stored, as a problem; null when every field is clean. */
export function unsafeFieldProblem(fields: PaperText): PaperTextProblem | null {
  const named: [string, string | null | undefined][] = [
    ['abstract', fields.abstract],
    ['title', fields.title],
    ['venue', fields.venue],
    ['url', fields.url],
    ['id', fields.id],
    ['arXiv id', fields.arxivId],
    ['DOI', fields.doi],
    ...(fields.authors ?? []).map((a): [string, string] => ['list of authors', a]),
  ];
  for (const [name, value] of named) {
    const unsafe = value == null ? null : findUnsafeCharacter(value);
    if (unsafe !== null) return { kind: 'control-character', message: `the ${name} contains ${unsafe.description}` };
  }
  return null;
}
