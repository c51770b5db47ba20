/**
 * Corpus problems as a person reads them. After a build the terminal shows one line per file and kind of
 * problem ("999 lines of many.jsonl are not valid JSON: lines 21, 41, 61, … and 996 more"), so a broken export
 * does not bury the rest of the output; `--report FILE` writes every problem, one per line (reportLines).
 * A field warning (`"year": "soon"` dropped, the paper kept) is a warning, never counted as a skipped line.
 */
import type { CorpusProblem, CorpusProblemKind } from './paper.ts';
import { MAX_ABSTRACT_CHARS, MAX_LINE_CHARS, MIN_ABSTRACT_CHARS } from './safe-text.ts';

/** A warning keeps its paper (the field is dropped); every other problem skips its line or file. */
export function isWarning(problem: CorpusProblem): boolean {
  return problem.kind === 'invalid-field';
}

/** What a group of lines of one kind have, after "N lines of FILE". */
const GROUP_PHRASE: Record<CorpusProblemKind, string> = {
  'invalid-json': 'are not valid JSON',
  'missing-abstract': 'have no abstract',
  'too-short': `have an abstract too short to be one (under ${MIN_ABSTRACT_CHARS} characters)`,
  'too-long': `are over the size limit (an abstract of ${MAX_ABSTRACT_CHARS.toLocaleString('en-US')} characters, a line of ${MAX_LINE_CHARS.toLocaleString('en-US')})`,
  'control-character': 'contain a control character or a bidi override',
  'invalid-utf8': 'are not valid UTF-8',
  duplicate: 'repeat a paper read before (the same id or abstract)',
  'invalid-field': 'have a field that was ignored (the papers are kept)',
  unreadable: 'cannot be read',
  'not-text': 'are not text',
};

const withoutSkipped = (message: string): string => message.replace(/; skipped$/, '');

/**
 * One problem on one line: `skipped many.jsonl:21: not valid JSON (…)`, `warning a.jsonl:3: field "year"
 * ignored: …`, or a whole file's own sentence. `bare` leaves out the leading word (strict mode's list).
 */
export function problemLine(problem: CorpusProblem, { bare = false }: { bare?: boolean } = {}): string {
  if (problem.line === 0 && problem.message.startsWith(problem.file)) return bare ? withoutSkipped(problem.message) : problem.message;
  const where = problem.line > 0 ? `${problem.file}:${problem.line}` : problem.file;
  const text = `${where}: ${withoutSkipped(problem.message)}`;
  if (bare) return text;
  return isWarning(problem) ? `warning ${text}` : `skipped ${text}`;
}

/** Every problem, one per line, by file (in reading order) and line: what `--report FILE` writes. */
export function reportLines(problems: readonly CorpusProblem[]): string[] {
  return ordered(problems).map((p) => problemLine(p));
}

export interface ProblemSummary {
  /** One line per file and kind. */
  lines: string[];
  /** Some lines name only the first few of their problems (the full list needs `--report`). */
  abbreviated: boolean;
}

/** The grouped report: a kind with one problem in a file is that problem's line, more are one line. */
export function summarizeProblems(problems: readonly CorpusProblem[], { bare = false, listed = 3 }: { bare?: boolean; listed?: number } = {}): ProblemSummary {
  const groups = new Map<string, CorpusProblem[]>();
  for (const problem of ordered(problems)) {
    const key = `${problem.file}\u0000${problem.kind}`;
    groups.set(key, [...(groups.get(key) ?? []), problem]);
  }
  let abbreviated = false;
  const lines = [...groups.values()].map((group) => {
    const first = group[0] as CorpusProblem;
    if (group.length === 1 || first.line === 0) return problemLine(first, { bare });
    const numbers = group.map((p) => p.line);
    const shown = numbers.length > listed + 1 ? `${numbers.slice(0, listed).join(', ')}, … and ${numbers.length - listed} more` : numbers.join(', ');
    if (numbers.length > listed + 1) abbreviated = true;
    const text = `${group.length.toLocaleString('en-US')} lines of ${first.file} ${GROUP_PHRASE[first.kind]}: lines ${shown}`;
    return !bare && isWarning(first) ? `warning: ${text}` : text;
  });
  return { lines, abbreviated };
}

export interface ProblemCounts {
  /** Distinct corpus lines left out. */
  skippedLines: number;
  /** Whole files left out (unreadable, not text). */
  skippedFiles: number;
  /** Lines kept with a field dropped. */
  warnings: number;
}

export function countProblems(problems: readonly CorpusProblem[]): ProblemCounts {
  const skipped = new Set<string>();
  let skippedFiles = 0;
  for (const p of problems) {
    if (isWarning(p)) continue;
    if (p.line === 0) skippedFiles += 1;
    else skipped.add(`${p.file}:${p.line}`);
  }
  const warned = new Set(problems.filter((p) => isWarning(p) && !skipped.has(`${p.file}:${p.line}`)).map((p) => `${p.file}:${p.line}`));
  return { skippedLines: skipped.size, skippedFiles, warnings: warned.size };
}

/** The closing sentences of a report: how many lines and files were skipped, how many lines only warned about. */
export function describeProblemCounts(problems: readonly CorpusProblem[]): string[] {
  const { skippedLines, skippedFiles, warnings } = countProblems(problems);
  const sentences: string[] = [];
  if (skippedLines > 0 || skippedFiles > 0) {
    const lines = skippedLines > 0 ? `${skippedLines.toLocaleString('en-US')} corpus line${skippedLines === 1 ? '' : 's'}` : '';
    const files = skippedFiles > 0 ? `${skippedFiles} corpus file${skippedFiles === 1 ? '' : 's'}` : '';
    const what = [lines, files].filter((s) => s !== '').join(' and ');
    const verb = skippedLines + skippedFiles === 1 ? 'was' : 'were';
    sentences.push(`${what} ${verb} skipped (run with --strict or CORPUS_STRICT=true to stop on them instead).`);
  }
  if (warnings > 0) sentences.push(`${warnings.toLocaleString('en-US')} corpus line${warnings === 1 ? ' has a field' : 's have fields'} that ${warnings === 1 ? 'was' : 'were'} ignored; ${warnings === 1 ? 'its paper is' : 'their papers are'} kept.`);
  return sentences;
}

/** By file in order of first appearance, then by line (a file's own problems first), keeping each line's order. */
function ordered(problems: readonly CorpusProblem[]): CorpusProblem[] {
  const fileOrder = new Map<string, number>();
  for (const p of problems) if (!fileOrder.has(p.file)) fileOrder.set(p.file, fileOrder.size);
  return [...problems].sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line);
}
