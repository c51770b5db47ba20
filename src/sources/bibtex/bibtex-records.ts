/**
 * Turns the text of a BibTeX file (a Zotero, Mendeley or JabRef export) into corpus records. Pure: no files.
 * The parsing is Better BibTeX's parser (`@retorquere/bibtex-parser`), which expands `@string` and month
 * macros and turns LaTeX (`{\"u}`, `$\alpha$`, `{{Protected}}` braces) into Unicode text; here we only map
 * its fields to ours, give every entry the line it starts on, and report what cannot become a paper:
 * entries without an abstract (by key and line), broken entries (by line; the parser goes on after them),
 * duplicate keys. Nothing is invented: a field the entry lacks stays absent.
 */
import { parse, type Creator, type Entry } from '@retorquere/bibtex-parser';
import { MAX_ABSTRACT_CHARS, MIN_ABSTRACT_CHARS, paperTextProblem, unsafeFieldProblem } from '../../core/corpus/safe-text.ts';
import { scriptLength } from '../../core/text.ts';
import { normalizeArxivId, normalizeDoi } from '../../core/corpus/paper-id.ts';

/** One line of the corpus file an import writes, in the corpus JSONL format plus the entry's citation key. */
export interface BibtexRecord {
  /** The citation key: how a re-import recognizes the entry it wrote before. */
  bibtex_key: string;
  title?: string;
  authors?: string[];
  year?: number;
  venue?: string;
  url?: string;
  arxiv_id?: string;
  doi?: string;
  abstract?: string;
}

export interface BibtexProblem {
  /** 1-based line of the .bib file the problem is on. */
  line: number;
  message: string;
}

export interface ParsedBibtex {
  /** Every usable entry in file order, abstract or not (an import may fetch the missing abstracts). */
  records: (BibtexRecord & { line: number })[];
  problems: BibtexProblem[];
}

export function parseBibtex(text: string): ParsedBibtex {
  const source = text.replace(/^\uFEFF/, '');
  const problems: BibtexProblem[] = [];
  const unsupported = new Map<string, Set<string>>();
  const library = parse(source, {
    // Sentence-casing titles and venues would change what the authors wrote; we keep their casing.
    english: false,
    // An unknown command (\mathcal, a package's macro) is dropped and its argument kept ("\mathcal{O}(n)" is
    // "O(n)"), and reported, rather than failing the whole entry.
    unsupported: (_node, tex, entry) => {
      const seen = unsupported.get(entry.key) ?? new Set<string>();
      unsupported.set(entry.key, seen.add(tex));
      return '';
    },
  });

  const errorLines = lineLocator(source);
  for (const error of library.errors) {
    const line = error.input === undefined || error.input === '' ? 0 : errorLines.find(error.input);
    problems.push({ line, message: `${describeBroken(error.input)}${cleanMessage(error.error)}; skipped` });
  }

  const records: (BibtexRecord & { line: number })[] = [];
  const lines = lineLocator(source);
  const firstLine = new Map<string, number>();
  for (const entry of library.entries) {
    // The parser also returns a broken entry as an empty shell; its error is reported above.
    if (entry.input === '') continue;
    const line = lines.find(entry.input);
    const first = firstLine.get(entry.key);
    if (first !== undefined) {
      problems.push({ line, message: `duplicate citation key "${entry.key}" (first at line ${first}); skipped` });
      continue;
    }
    firstLine.set(entry.key, line);
    for (const tex of unsupported.get(entry.key) ?? []) problems.push({ line, message: `entry "${entry.key}": unknown LaTeX command ${tex} left out (its argument kept)` });
    const record = toRecord(entry, (message) => problems.push({ line, message: `entry "${entry.key}": ${message}` }));
    if (record !== null) records.push({ ...record, line });
  }
  problems.sort((a, b) => a.line - b.line);
  return { records, problems };
}

/** Whether a record can be a corpus paper as it is (the corpus loader refuses shorter abstracts). */
export function hasAbstract(record: BibtexRecord): record is BibtexRecord & { abstract: string } {
  return record.abstract !== undefined && paperTextProblem({ ...record, abstract: record.abstract, arxivId: record.arxiv_id }) === null;
}

function toRecord(entry: Entry, problem: (message: string) => void): BibtexRecord | null {
  const fields = entry.fields;
  const text = (name: string): string | undefined => {
    const value = fields[name];
    return typeof value === 'string' && value.trim() !== '' ? plain(value) : undefined;
  };
  const record: BibtexRecord = { bibtex_key: entry.key };

  const title = text('title');
  if (title !== undefined) record.title = title;
  const authors = (fields.author ?? []).map(personName).filter((name) => name !== '');
  if (authors.length > 0) record.authors = authors;

  const year = (text('year') ?? text('date'))?.match(/^(\d{4})\b/)?.[1];
  if (year !== undefined) record.year = Number(year);
  else if (text('year') !== undefined) problem(`year "${text('year')}" is not a four-digit year; left out`);

  const venue = text('journal') ?? text('journaltitle') ?? text('booktitle');
  if (venue !== undefined) record.venue = venue;

  const url = text('url');
  if (url !== undefined) {
    if (/^https?:\/\/\S+$/i.test(url) && URL.canParse(url)) record.url = url;
    else problem(`url "${url}" is not an http(s) link; left out`);
  }

  const prefix = (text('archiveprefix') ?? text('eprinttype'))?.toLowerCase();
  const eprint = text('eprint');
  if (eprint !== undefined && prefix === 'arxiv') {
    // One paper per arXiv id whatever its version: the corpus id is the id without "v2".
    record.arxiv_id = normalizeArxivId(eprint).replace(/v\d+$/i, '');
  }
  const doi = text('doi');
  if (doi !== undefined) record.doi = normalizeDoi(doi);

  const abstract = text('abstract');
  if (abstract !== undefined) {
    if (abstract.length > MAX_ABSTRACT_CHARS) problem(`the abstract is ${abstract.length.toLocaleString('en-US')} characters, over the limit of ${MAX_ABSTRACT_CHARS.toLocaleString('en-US')}; treated as missing`);
    else if (scriptLength(abstract) >= MIN_ABSTRACT_CHARS) record.abstract = abstract;
    else problem(`abstract is ${abstract.length} characters, too short to be one (at least ${MIN_ABSTRACT_CHARS} expected); treated as missing`);
  }
  // The corpus's own check (safe-text.ts): an entry it would skip is not written.
  const unsafe = unsafeFieldProblem({ ...record, arxivId: record.arxiv_id, abstract: abstract ?? '' });
  if (unsafe !== null) {
    problem(`${unsafe.message}; skipped`);
    return null;
  }
  return record;
}

/** "Last, First" (and "von Last, Jr., First") as the name is read: "First von Last Jr."; an institution as written. */
function personName(creator: Creator): string {
  if (creator.name !== undefined) return plain(creator.name);
  return plain([creator.firstName, creator.prefix, creator.lastName, creator.suffix].filter((part) => part !== undefined && part !== '').join(' '));
}

/**
 * The parser renders rich text (\emph, \textbf, case protection) as a few HTML tags, and accents as combining
 * marks (`u` + U+0308); the corpus is plain, composed text, so that "Müller" is found as typed.
 */
function plain(value: string): string {
  return value
    .normalize('NFC')
    // Exactly the parser's tags: a "<" the entry wrote ({\textless}) is text and stays.
    .replace(/<\/?(?:p|br)>/g, ' ')
    .replace(/<\/?(?:i|b|em|s|sub|sup|sc|code|tt|nc|ncx|enquote)>|<span(?: class="[^"]*"| style="[^"]*")?>|<\/span>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function describeBroken(input: string | undefined): string {
  const head = input?.match(/^@(\w+)\s*[{(]\s*([^,\s]+)\s*,/);
  return head === null || head === undefined ? '' : `broken entry @${head[1]}{${head[2]}: `;
}

/** The parser's own position counts from where it gave up, not where the entry starts; ours replaces it. */
function cleanMessage(message: string): string {
  return message
    .replace(/ at line \d+, column \d+/, '')
    // The parser quotes the text it gave up on with its line breaks escaped ("B\\n author"); a reader wants spaces.
    .replace(/\\[rnt]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Finds the line an entry's text starts on, searching forward so that identical entries get their own lines. */
function lineLocator(text: string): { find(snippet: string): number } {
  let from = 0;
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lineAt = (offset: number): number => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
  return {
    find(snippet) {
      let at = text.indexOf(snippet, from);
      if (at < 0) at = text.indexOf(snippet);
      if (at < 0) return 0;
      from = at + 1;
      return lineAt(at);
    },
  };
}
