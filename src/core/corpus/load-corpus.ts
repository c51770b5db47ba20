/**
 * Loads every `.txt` and `.jsonl` file of the corpus folder (recursively, in name order), validates them and
 * removes duplicates. Problems are collected, never silently dropped: in strict mode any problem stops the
 * load with the full list; otherwise the bad lines are skipped and reported.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError, describeError } from '../errors.ts';
import { summarizeProblems } from './corpus-report.ts';
import type { CorpusProblem, KnownPaper, Paper } from './paper.ts';
import { decodeCorpusFile } from './decode-corpus-file.ts';
import { parseCorpusFile, type KnownLine } from './parse-corpus-file.ts';

export interface LoadedCorpus<P = Paper> {
  papers: P[];
  problems: CorpusProblem[];
  files: string[];
}

export interface LoadCorpusOptions {
  /** Any problem is an error (the whole list is reported). */
  strict?: boolean;
}

export interface IncrementalLoadOptions extends LoadCorpusOptions {
  /** Lines the caller already holds as papers (see KnownLine): deduplicated with the rest, not parsed again. */
  known: KnownLine;
}

const CORPUS_FILE = /\.(txt|jsonl)$/i;

export async function loadCorpus(corpusDir: string, options?: LoadCorpusOptions): Promise<LoadedCorpus>;
export async function loadCorpus(corpusDir: string, options: IncrementalLoadOptions): Promise<LoadedCorpus<Paper | KnownPaper>>;
export async function loadCorpus(corpusDir: string, { strict = false, known }: LoadCorpusOptions & { known?: KnownLine } = {}): Promise<LoadedCorpus<Paper | KnownPaper>> {
  const files = await listCorpusFiles(corpusDir);

  const problems: CorpusProblem[] = [];
  const byId = new Map<string, Paper | KnownPaper>();
  const byText = new Map<string, Paper | KnownPaper>();
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path.join(corpusDir, file));
    } catch (error) {
      problems.push({ file, line: 0, kind: 'unreadable', message: `cannot be read (${describeError(error)}); skipped` });
      continue;
    }
    // Strictly UTF-8: a binary or Latin-1 file is one problem, a bad line its own, never silent U+FFFD.
    const decoded = decodeCorpusFile(file, bytes);
    problems.push(...decoded.problems);
    const text = decoded.text;
    const parsed = known === undefined ? parseCorpusFile(file, text) : parseCorpusFile(file, text, known);
    problems.push(...parsed.problems);
    for (const paper of parsed.papers) {
      const first = byId.get(paper.id) ?? byText.get(paper.textHash);
      if (first !== undefined) {
        const [dupFile, dupLine] = splitSource(paper.source);
        const what = first.id === paper.id ? `id ${paper.id}` : 'abstract';
        problems.push({ file: dupFile, line: dupLine, kind: 'duplicate', message: `duplicate ${what} of ${first.source}; skipped` });
        continue;
      }
      byId.set(paper.id, paper);
      byText.set(paper.textHash, paper);
    }
  }

  if (strict && problems.length > 0) throw new CorpusProblemsError(problems);
  return { papers: [...byId.values()], problems, files };
}

/** Strict mode's refusal: the grouped list in the message, every problem kept for `--report`. */
export class CorpusProblemsError extends UserError {
  constructor(readonly problems: readonly CorpusProblem[]) {
    const { lines } = summarizeProblems(problems, { bare: true });
    super('E_CORPUS_INVALID', `The corpus has ${problems.length} problem${problems.length === 1 ? '' : 's'} (strict mode):\n${lines.map((l) => `- ${l}`).join('\n')}`);
  }
}

/** The corpus files of `corpusDir`, relative to it with `/`, in name order (the order papers are read in). */
export async function listCorpusFiles(corpusDir: string): Promise<string[]> {
  let files: string[];
  try {
    files = (await readdir(corpusDir, { recursive: true, withFileTypes: true }))
      // Symlinks count: large corpora are often linked in from elsewhere; a bad link is reported when read.
      .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && CORPUS_FILE.test(entry.name) && !entry.name.startsWith('.'))
      .map((entry) => path.relative(corpusDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
      .sort();
  } catch (error) {
    throw new UserError('E_CORPUS_MISSING', `Cannot read the corpus folder ${corpusDir}: set CORPUS_DIR to a folder of .txt or .jsonl files.`, { cause: error });
  }
  if (files.length === 0) {
    throw new UserError('E_CORPUS_EMPTY', `The corpus folder ${corpusDir} has no .txt or .jsonl files: add papers there (see README, "Corpus").`);
  }
  return files;
}

function splitSource(source: string): [string, number] {
  const at = source.lastIndexOf(':');
  return [source.slice(0, at), Number(source.slice(at + 1))];
}
