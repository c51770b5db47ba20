/**
 * `npm run import`'s work without the terminal: converts a .bib file into the corpus file it owns. The .bib
 * file is the source of truth for that file: a re-import rewrites it whole, so entries changed in the
 * library are updated, new ones added and deleted ones removed (matched by citation key). The file is
 * written atomically (a hidden temp file beside it, then a rename), so a crash never leaves half a line;
 * a file that an import did not write is never overwritten.
 */
import { readFile } from 'node:fs/promises';
import { firstInvalidPosition } from '../../core/corpus/decode-corpus-file.ts';
import { UserError, describeError } from '../../core/errors.ts';
import { hasAbstract, parseBibtex, type BibtexProblem, type BibtexRecord } from './bibtex-records.ts';
import { writeAtomically } from '../write-atomically.ts';

/** What an abstract fetched for an entry brings (from the arXiv API, by the entry's arXiv id). */
export interface FetchedAbstract {
  arxivId: string;
  abstract: string;
}

/** Fetches the abstracts of papers by arXiv id (without version); ids it cannot find are simply absent. */
export type FetchAbstracts = (arxivIds: string[]) => Promise<{ papers: FetchedAbstract[]; problems: string[] }>;

export interface ImportBibtexOptions {
  /** The .bib file. */
  bibFile: string;
  /** The corpus file it becomes (created, or rewritten when an earlier import wrote it). */
  intoFile: string;
  /** When given, entries without an abstract but with an arXiv id get theirs from this. */
  fetchAbstracts?: FetchAbstracts;
}

export interface ImportReport {
  /** Papers that were not in the corpus file before. */
  imported: number;
  /** Papers whose entry changed since the last import. */
  updated: number;
  /** Papers of the last import whose entry is no longer in the .bib file (or lost its abstract). */
  removed: number;
  unchanged: number;
  /** Citation keys of entries that have no abstract (and so are not in the corpus), in file order. */
  withoutAbstract: string[];
  /** Where each entry without an abstract is, as `key (line N)`, for the terminal. */
  withoutAbstractAt: { key: string; line: number }[];
  /** Abstracts fetched from arXiv for entries that had none. */
  fetched: number;
  problems: BibtexProblem[];
}

export async function importBibtex({ bibFile, intoFile, fetchAbstracts }: ImportBibtexOptions): Promise<ImportReport> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(bibFile);
  } catch (error) {
    throw new UserError('E_BIBTEX_UNREADABLE', `Cannot read the BibTeX file ${bibFile} (${describeError(error)}).`, { cause: error });
  }
  // Strictly UTF-8, as the corpus is read: a Latin-1 export would otherwise become U+FFFD in titles and names.
  const invalid = firstInvalidPosition(bytes);
  if (invalid !== null) {
    const byte = `0x${invalid.byte.toString(16).padStart(2, '0')}`;
    throw new UserError('E_BIBTEX_ENCODING', `${bibFile} is not UTF-8 text (line ${invalid.line}: byte ${byte} at offset ${invalid.offset}): export the library again as UTF-8 (or convert it with iconv -f latin1 -t utf-8); nothing was imported.`);
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  const { records, problems } = parseBibtex(text);
  const previous = await readPreviousImport(intoFile);

  // An abstract an earlier --fetch-missing got stays: the .bib still lacks it, and arXiv is not asked again.
  for (const record of records) {
    if (hasAbstract(record) || record.arxiv_id === undefined) continue;
    const before = previous.get(record.bibtex_key);
    const earlier = before === undefined ? undefined : (JSON.parse(before) as BibtexRecord);
    if (earlier?.abstract !== undefined && earlier.arxiv_id === record.arxiv_id) record.abstract = earlier.abstract;
  }

  let fetched = 0;
  const missing = records.filter((record) => !hasAbstract(record));
  const wanted = [...new Set(missing.flatMap((record) => (record.arxiv_id === undefined ? [] : [record.arxiv_id])))];
  if (fetchAbstracts !== undefined && wanted.length > 0) {
    const result = await fetchAbstracts(wanted);
    const byId = new Map(result.papers.map((paper) => [paper.arxivId, paper.abstract.replace(/\s+/g, ' ').trim()]));
    for (const record of missing) {
      const abstract = record.arxiv_id === undefined ? undefined : byId.get(record.arxiv_id);
      if (abstract === undefined) continue;
      record.abstract = abstract;
      if (hasAbstract(record)) fetched += 1;
    }
    for (const message of result.problems) problems.push({ line: 0, message: `arXiv: ${message}` });
  }

  const lines: string[] = [];
  const report: ImportReport = { imported: 0, updated: 0, removed: 0, unchanged: 0, withoutAbstract: [], withoutAbstractAt: [], fetched, problems };
  const kept = new Set<string>();
  for (const { line, ...record } of records) {
    if (!hasAbstract(record)) {
      report.withoutAbstract.push(record.bibtex_key);
      report.withoutAbstractAt.push({ key: record.bibtex_key, line });
      continue;
    }
    const json = JSON.stringify(orderedRecord(record));
    lines.push(json);
    kept.add(record.bibtex_key);
    const before = previous.get(record.bibtex_key);
    if (before === undefined) report.imported += 1;
    else if (before === json) report.unchanged += 1;
    else report.updated += 1;
  }
  report.removed = [...previous.keys()].filter((key) => !kept.has(key)).length;

  const output = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  // Nothing changed: the file (and its modification time, which the index build looks at) stays as it was.
  if (report.imported + report.updated + report.removed > 0) await writeImport(intoFile, output);
  return report;
}

/** The lines an earlier import wrote, by citation key; a file that is not an import's is refused, not overwritten. */
async function readPreviousImport(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new UserError('E_IMPORT_TARGET', `Cannot read ${file} (${describeError(error)}).`, { cause: error });
  }
  const byKey = new Map<string, string>();
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    let key: unknown;
    try {
      key = (JSON.parse(raw) as { bibtex_key?: unknown } | null)?.bibtex_key;
    } catch {
      // A line that is not even JSON was not written by an import: refused below like any other such line.
      key = undefined;
    }
    if (typeof key !== 'string') {
      throw new UserError(
        'E_IMPORT_TARGET',
        `${file}:${index + 1} is not a line an import wrote (no "bibtex_key"): that file is not overwritten; choose another --into.`,
      );
    }
    byKey.set(key, raw);
  });
  return byKey;
}

/** The corpus fields first, in one order, so that an unchanged entry gives the same line again. */
function orderedRecord(record: BibtexRecord): BibtexRecord {
  const { bibtex_key, title, authors, year, venue, url, arxiv_id, doi, abstract } = record;
  const ordered: BibtexRecord = { bibtex_key };
  if (title !== undefined) ordered.title = title;
  if (authors !== undefined) ordered.authors = authors;
  if (year !== undefined) ordered.year = year;
  if (venue !== undefined) ordered.venue = venue;
  if (url !== undefined) ordered.url = url;
  if (arxiv_id !== undefined) ordered.arxiv_id = arxiv_id;
  if (doi !== undefined) ordered.doi = doi;
  if (abstract !== undefined) ordered.abstract = abstract;
  return ordered;
}

/** The shared atomic write (a hidden temp file beside it, flushed, renamed), its failure said as the import's. */
async function writeImport(file: string, content: string): Promise<void> {
  try {
    await writeAtomically(file, content);
  } catch (error) {
    throw new UserError('E_IMPORT_WRITE', `Cannot write ${file} (${describeError(error)}).`, { cause: error });
  }
}
