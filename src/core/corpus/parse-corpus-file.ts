/**
 * Turns the text of one corpus file into papers and problems. Pure: the file name (relative to the corpus
 * folder) is used only to write `source` locations and messages. Formats:
 * - `.txt`: one abstract per line;
 * - `.jsonl`: one JSON object per line, `{id?, title?, authors?, year?, venue?, url?, arxiv_id?, primary_category?, doi?, abstract}`.
 * `\r\n`, `\r` and `\n` all end a line. Empty lines are skipped. Every other line either becomes a paper or a
 * problem naming `file:line`: among them a line with a character no paper may hold, an abstract too short or
 * too long to be one (safe-text.ts, the check every source shares).
 */
import type { CorpusProblem, KnownPaper, Paper } from './paper.ts';
import { paperId, normalizeArxivId, normalizeDoi } from './paper-id.ts';
import { arxivUrl, doiUrl } from './paper-urls.ts';
import { definedAcronyms, introducedMethod, paperLabel } from './paper-label.ts';
import { cleanText, findUnsafeCharacter, MAX_LINE_CHARS, paperTextProblem } from './safe-text.ts';
import { normalizeText, sha256, splitLines } from '../text.ts';

export { MIN_ABSTRACT_CHARS } from './safe-text.ts';

export interface ParsedFile<P = Paper> {
  papers: P[];
  problems: CorpusProblem[];
}

/** `known(source, line)`: the paper of a line the caller already holds, which is then not parsed again. */
export type KnownLine = (source: string, raw: string) => KnownPaper | undefined;

export function parseCorpusFile(file: string, text: string): ParsedFile;
export function parseCorpusFile(file: string, text: string, known: KnownLine): ParsedFile<Paper | KnownPaper>;
export function parseCorpusFile(file: string, text: string, known?: KnownLine): ParsedFile<Paper | KnownPaper> {
  const format = file.toLowerCase().endsWith('.jsonl') ? 'jsonl' : 'txt';
  const papers: (Paper | KnownPaper)[] = [];
  const problems: CorpusProblem[] = [];
  const lines = splitLines(text.replace(/^\uFEFF/, ''));

  lines.forEach((raw, index) => {
    const line = index + 1;
    const problem = (kind: CorpusProblem['kind'], message: string) => problems.push({ file, line, kind, message });
    // Measured before anything else reads it: a 50 MB line is not hashed, scanned or parsed.
    if (raw.length > MAX_LINE_CHARS) {
      problem('too-long', `the line is ${raw.length.toLocaleString('en-US')} characters, over the limit of ${MAX_LINE_CHARS.toLocaleString('en-US')} for a corpus line; skipped`);
      return;
    }
    if (raw.trim() === '') return;
    const held = known?.(`${file}:${line}`, raw);
    if (held !== undefined) {
      papers.push(held);
      return;
    }
    const unsafe = findUnsafeCharacter(raw);
    if (unsafe !== null) {
      problem('control-character', `the line contains ${unsafe.description} at column ${[...raw.slice(0, unsafe.index)].length + 1}; skipped`);
      return;
    }

    const record = format === 'jsonl' ? parseJsonRecord(raw, problem) : { abstract: raw };
    if (record === null) return;
    if (record.abstract === undefined || record.abstract.trim() === '') {
      problem('missing-abstract', 'record has no "abstract" text; skipped');
      return;
    }
    const rejected = paperTextProblem({ ...record, abstract: record.abstract });
    if (rejected !== null) {
      problem(rejected.kind, `${rejected.message}; skipped`);
      return;
    }
    papers.push(makePaper({ ...record, abstract: cleanText(record.abstract) }, `${file}:${line}`));
  });
  return { papers, problems };
}

interface RecordFields {
  id?: string;
  title?: string;
  authors?: string[];
  year?: number;
  venue?: string;
  url?: string;
  arxivId?: string;
  primaryCategory?: string;
  doi?: string;
  abstract?: string;
}

function parseJsonRecord(raw: string, problem: (kind: CorpusProblem['kind'], message: string) => void): RecordFields | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    problem('invalid-json', `not valid JSON (${error instanceof Error ? error.message : String(error)}); skipped`);
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problem('invalid-json', 'expected a JSON object per line; skipped');
    return null;
  }
  const input = value as Record<string, unknown>;
  const fields: RecordFields = {};
  const bad = (name: string, expected: string) => problem('invalid-field', `field "${name}" ignored: expected ${expected}`);

  const text = (name: string): string | undefined => {
    const v = input[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && (name === 'id' || name === 'arxiv_id')) return String(v);
    if (typeof v !== 'string') {
      bad(name, 'a string');
      return undefined;
    }
    return v.trim() === '' ? undefined : v.trim();
  };

  const id = text('id');
  if (id !== undefined) fields.id = id;
  const title = text('title');
  if (title !== undefined && cleanText(title) !== '') fields.title = cleanText(title);
  const venue = text('venue');
  if (venue !== undefined && cleanText(venue) !== '') fields.venue = cleanText(venue);
  const arxivId = text('arxiv_id');
  if (arxivId !== undefined) fields.arxivId = normalizeArxivId(arxivId);
  const doi = text('doi');
  if (doi !== undefined) fields.doi = normalizeDoi(doi);
  const primaryCategory = text('primary_category');
  if (primaryCategory !== undefined) {
    if (/^[a-z-]+(\.[A-Za-z-]+)?$/.test(primaryCategory)) fields.primaryCategory = primaryCategory;
    else bad('primary_category', 'an arXiv category such as cs.LG');
  }
  const abstract = input['abstract'];
  if (typeof abstract === 'string') fields.abstract = abstract;
  else if (abstract !== undefined && abstract !== null) bad('abstract', 'a string');

  const url = text('url');
  if (url !== undefined) {
    if (/^https?:\/\/\S+$/i.test(url) && URL.canParse(url)) fields.url = url;
    else bad('url', 'an http(s) URL');
  }

  const year = input['year'];
  if (year !== undefined && year !== null) {
    const n = typeof year === 'string' && /^\d{4}$/.test(year.trim()) ? Number(year) : year;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1000 && n <= 2999) fields.year = n;
    else bad('year', 'a four-digit year');
  }

  const authors = input['authors'];
  if (authors !== undefined && authors !== null) {
    if (Array.isArray(authors) && authors.every((a) => typeof a === 'string')) {
      fields.authors = authors.map(cleanText).filter((a) => a !== '');
    } else if (typeof authors === 'string') {
      fields.authors = authors.split(/\s*(?:;|\band\b)\s*/).map(cleanText).filter((a) => a !== '');
    } else {
      bad('authors', 'a list of names or a string');
    }
  }
  return fields;
}

function makePaper(fields: RecordFields & { abstract: string }, source: string): Paper {
  const title = fields.title ?? null;
  const method = introducedMethod(fields.abstract);
  const aliases = [...new Set([...(method === null ? [] : [method]), ...definedAcronyms(fields.abstract)])];
  const paper: Omit<Paper, 'contentHash' | 'textHash'> = {
    id: paperId({ id: fields.id, arxivId: fields.arxivId, doi: fields.doi, abstract: fields.abstract }),
    label: paperLabel({ title, abstract: fields.abstract }),
    title,
    authors: fields.authors ?? [],
    year: fields.year ?? null,
    venue: fields.venue ?? null,
    url: fields.url ?? (fields.doi !== undefined ? doiUrl(fields.doi) : fields.arxivId !== undefined ? arxivUrl(fields.arxivId) : null),
    doi: fields.doi ?? null,
    arxivId: fields.arxivId ?? null,
    primaryCategory: fields.primaryCategory ?? null,
    abstract: fields.abstract,
    aliases,
    source,
  };
  return {
    ...paper,
    textHash: sha256(normalizeText(paper.abstract)),
    contentHash: sha256(JSON.stringify(paper)),
  };
}
