/**
 * The grouped corpus report: one line per file and kind, the first lines named and the rest counted, warnings
 * apart from skipped lines, and the full list in reading order for `--report`.
 */
import { describe, expect, it } from 'vitest';
import { countProblems, describeProblemCounts, reportLines, summarizeProblems } from './corpus-report.ts';
import type { CorpusProblem } from './paper.ts';

const at = (file: string, line: number, kind: CorpusProblem['kind'], message = `${kind} here; skipped`): CorpusProblem => ({ file, line, kind, message });

describe('the corpus report', () => {
  it('names every line of a small group, the first three of a large one, and says it abbreviated', () => {
    const small = summarizeProblems([at('a.jsonl', 9, 'invalid-json'), at('a.jsonl', 2, 'invalid-json'), at('a.jsonl', 5, 'invalid-json')]);
    expect(small).toEqual({ lines: ['3 lines of a.jsonl are not valid JSON: lines 2, 5, 9'], abbreviated: false });
    const large = summarizeProblems(Array.from({ length: 5 }, (_, i) => at('b.txt', i + 1, 'too-short')));
    expect(large.lines).toEqual(['5 lines of b.txt have an abstract too short to be one (under 100 characters): lines 1, 2, 3, … and 2 more']);
    expect(large.abbreviated).toBe(true);
  });

  it('keeps a single problem as its own line, files apart, and warnings marked as warnings', () => {
    const problems = [
      at('b.jsonl', 3, 'invalid-field', 'field "year" ignored: expected a four-digit year'),
      at('a.txt', 4, 'duplicate', 'duplicate abstract of a.txt:1; skipped'),
      at('b.jsonl', 7, 'invalid-field', 'field "url" ignored: expected an http(s) URL'),
      at('c.txt', 0, 'not-text', 'c.txt is not a UTF-8 text file (first invalid byte at offset 0); skipped'),
    ];
    expect(summarizeProblems(problems).lines).toEqual([
      'warning: 2 lines of b.jsonl have a field that was ignored (the papers are kept): lines 3, 7',
      'skipped a.txt:4: duplicate abstract of a.txt:1',
      'c.txt is not a UTF-8 text file (first invalid byte at offset 0); skipped',
    ]);
    expect(reportLines(problems)).toEqual([
      'warning b.jsonl:3: field "year" ignored: expected a four-digit year',
      'warning b.jsonl:7: field "url" ignored: expected an http(s) URL',
      'skipped a.txt:4: duplicate abstract of a.txt:1',
      'c.txt is not a UTF-8 text file (first invalid byte at offset 0); skipped',
    ]);
  });

  it('counts a line skipped once whatever its problems, and a warning only on a kept line', () => {
    const problems = [at('p.jsonl', 3, 'invalid-field'), at('p.jsonl', 3, 'missing-abstract'), at('p.jsonl', 4, 'invalid-field'), at('q.txt', 0, 'unreadable')];
    expect(countProblems(problems)).toEqual({ skippedLines: 1, skippedFiles: 1, warnings: 1 });
    expect(describeProblemCounts(problems)).toEqual([
      '1 corpus line and 1 corpus file were skipped (run with --strict or CORPUS_STRICT=true to stop on them instead).',
      '1 corpus line has a field that was ignored; its paper is kept.',
    ]);
  });
});
