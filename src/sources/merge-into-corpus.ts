/**
 * Merges what a source fetched into the corpus folder, one paper per arXiv id whatever its version. Each
 * item is matched against the WHOLE corpus (every file, by arXiv id without version, DOI, or the same
 * abstract): a `new` item of a known paper adds nothing; a `replace` of a known paper rewrites its line in
 * place when it lives in a file the source owns (its text changed: the index re-embeds it; it keeps its
 * id, so the digest does not treat it as new), and leaves papers of other files alone (those files are
 * their own source of truth); an unknown paper is appended to the file `fileFor` names. Changed files are
 * written atomically. Nothing is written for an item the corpus would reject (no abstract, one too short or
 * too long, a control character in any field: the corpus's own check, safe-text.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isUserError } from '../core/errors.ts';
import { loadCorpus } from '../core/corpus/load-corpus.ts';
import type { Paper } from '../core/corpus/paper.ts';
import { normalizeDoi } from '../core/corpus/paper-id.ts';
import { cleanText, MIN_ABSTRACT_CHARS, paperTextProblem } from '../core/corpus/safe-text.ts';
import { normalizeText, sha256, splitLines } from '../core/text.ts';
import type { SourceItem, SourceRecord } from './paper-source.ts';
import { writeAtomically } from './write-atomically.ts';

export interface MergeOptions {
  corpusDir: string;
  items: readonly SourceItem[];
  /** The corpus file (relative to corpusDir, `/`-separated) a new paper goes in. */
  fileFor: (item: SourceItem) => string;
  /** Whether a file is one this source writes (only those are updated in place). */
  owns: (file: string) => boolean;
  /** For tests of atomicity: passed to every file write. */
  beforeRename?: (tempFile: string) => Promise<void>;
}

export interface MergeReport {
  added: number;
  updated: number;
  unchanged: number;
  skipped: number;
  problems: string[];
  /** The arXiv ids added and updated, in order. */
  addedIds: string[];
  updatedIds: string[];
  /** Corpus files written (relative). */
  written: string[];
  /** For each item that matched a paper already in the corpus: that paper's `file:line`, in item order. */
  matched: string[];
}

type Line = { record: Record<string, unknown> } | { raw: string };

/** `2101.00001v2` → `2101.00001`: a paper is one paper whatever its version. */
export const withoutVersion = (id: string): string => id.replace(/v\d+$/, '');
const textHash = (abstract: string): string => sha256(normalizeText(cleanText(abstract)));

export async function mergeIntoCorpus({ corpusDir, items, fileFor, owns, beforeRename }: MergeOptions): Promise<MergeReport> {
  const papers = await corpusPapers(corpusDir);
  const byArxiv = new Map<string, string>();
  const byDoi = new Map<string, string>();
  const byText = new Map<string, string>();
  const remember = (source: string, arxivId: string | null, doi: string | null, abstract: string, hash = textHash(abstract)): void => {
    if (arxivId !== null) byArxiv.set(withoutVersion(arxivId), source);
    if (doi !== null) byDoi.set(normalizeDoi(doi), source);
    byText.set(hash, source);
  };
  for (const paper of papers) remember(paper.source, paper.arxivId, paper.doi, paper.abstract, paper.textHash);

  const files = new Map<string, Line[]>();
  const changed = new Set<string>();
  const linesOf = async (file: string): Promise<Line[]> => {
    let lines = files.get(file);
    if (lines === undefined) {
      lines = await readLines(path.join(corpusDir, file));
      files.set(file, lines);
    }
    return lines;
  };

  const report: MergeReport = { added: 0, updated: 0, unchanged: 0, skipped: 0, problems: [], addedIds: [], updatedIds: [], written: [], matched: [] };
  for (const item of items) {
    const { record } = item;
    const label = record.arxiv_id === null ? `"${record.title ?? 'untitled'}"` : `arXiv:${record.arxiv_id}`;
    // The corpus's own check (safe-text.ts): what it would skip is not written at all.
    const rejected = paperTextProblem({ ...record, arxivId: record.arxiv_id });
    if (rejected !== null) {
      report.skipped++;
      report.problems.push(`${label}: ${rejected.kind === 'too-short' ? `its abstract is shorter than ${MIN_ABSTRACT_CHARS} characters` : rejected.message}; not added`);
      continue;
    }
    const known =
      (record.arxiv_id === null ? undefined : byArxiv.get(record.arxiv_id)) ?? (record.doi === null ? undefined : byDoi.get(normalizeDoi(record.doi))) ?? byText.get(textHash(record.abstract));

    if (known === undefined) {
      const file = fileFor(item);
      const lines = await linesOf(file);
      lines.push({ record: recordLine(record) });
      changed.add(file);
      remember(`${file}:${lines.length}`, record.arxiv_id, record.doi, record.abstract);
      report.added++;
      if (record.arxiv_id !== null) report.addedIds.push(record.arxiv_id);
      continue;
    }
    report.matched.push(known);
    const [file, line] = splitSource(known);
    if (item.kind === 'new' || !owns(file)) {
      report.unchanged++;
      continue;
    }
    const lines = await linesOf(file);
    const old = lines[line - 1];
    if (old === undefined || !('record' in old)) {
      report.unchanged++;
      continue;
    }
    // The first announcement's day and v1's date stay: a new version changes the text, not the paper's history.
    const next: Record<string, unknown> = { ...old.record, ...recordLine(record), announced: old.record['announced'] ?? record.announced };
    if (old.record['published'] !== undefined) next['published'] = old.record['published'];
    if (JSON.stringify(next) === JSON.stringify(old.record)) {
      report.unchanged++;
      continue;
    }
    lines[line - 1] = { record: next };
    changed.add(file);
    remember(known, record.arxiv_id, record.doi, record.abstract);
    report.updated++;
    if (record.arxiv_id !== null) report.updatedIds.push(record.arxiv_id);
  }

  for (const file of [...changed].sort()) {
    const lines = files.get(file) ?? [];
    const text = lines.map((l) => ('raw' in l ? l.raw : JSON.stringify(l.record))).join('\n');
    await writeAtomically(path.join(corpusDir, file), `${text}\n`, beforeRename === undefined ? {} : { beforeRename });
    report.written.push(file);
  }
  return report;
}

/** The corpus as the index sees it; a missing or empty corpus folder is an empty corpus here. */
export async function corpusPapers(corpusDir: string): Promise<Paper[]> {
  try {
    return (await loadCorpus(corpusDir)).papers;
  } catch (error) {
    if (isUserError(error) && (error.code === 'E_CORPUS_MISSING' || error.code === 'E_CORPUS_EMPTY')) return [];
    throw error;
  }
}

/** A file's lines, the JSON ones parsed (others are kept verbatim: merging never destroys what it cannot read). */
async function readLines(file: string): Promise<Line[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = splitLines(text); // the corpus loader's line numbers, which sources name lines by
  if (lines.at(-1) === '') lines.pop();
  return lines.map((raw) => {
    try {
      const value: unknown = JSON.parse(raw);
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? { record: value as Record<string, unknown> } : { raw };
    } catch {
      // Not JSON: the corpus loader reports that line; here it is only carried over untouched.
      return { raw };
    }
  });
}

function splitSource(source: string): [string, number] {
  const at = source.lastIndexOf(':');
  return [source.slice(0, at), Number(source.slice(at + 1))];
}

/** For sources: a record with the optional `published` left out when unknown (the corpus line stays short). */
export function recordLine(record: SourceRecord): Record<string, unknown> {
  const line: Record<string, unknown> = { ...record };
  if (line['published'] === undefined || line['published'] === null) delete line['published'];
  return line;
}
