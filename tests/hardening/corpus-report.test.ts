/**
 * What `npm run index` and `npm run import` say about a broken corpus (issue 11, §2): one grouped line per
 * file and kind however many lines are broken, every problem in the `--report` file, field warnings that are
 * warnings (the paper is kept, not counted as skipped), a binary file named once, and strict mode still
 * stopping on all of it.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useWorkspace } from '../support/workspace.ts';

const ABSTRACT = (n: number): string =>
  `Extra paper ${n}: we study curriculum schedules for contrastive pretraining and show that ordering examples by difficulty speeds up convergence.`;

/** 999 broken JSON lines at 21, 41, 61, …, empty lines between them, and one good paper on line 1. */
function manyBroken(): string {
  const lines: string[] = [JSON.stringify({ title: 'Good one', abstract: ABSTRACT(1) })];
  for (let n = 2; n <= 999 * 20 + 1; n += 1) lines.push(n % 20 === 1 ? `{"title": "broken ${n}", "abstract": ` : '');
  return `${lines.join('\n')}\n`;
}

describe('the corpus report', () => {
  const workspace = useWorkspace();

  it('groups 999 broken lines into one line, writes all of them with --report, and keeps a field warning a warning', async () => {
    const ws = workspace();
    await writeFile(path.join(ws.corpusDir, 'many.jsonl'), manyBroken());
    await writeFile(path.join(ws.corpusDir, 'soon.jsonl'), `${JSON.stringify({ title: 'Year unknown', year: 'soon', abstract: ABSTRACT(2) })}\n`);
    const bytes = Buffer.alloc(4096, 0xff);
    bytes.write('binary\u0000', 100);
    await writeFile(path.join(ws.corpusDir, 'garbage.txt'), bytes);

    const reportFile = path.join(ws.dir, 'problems.txt');
    const result = await ws.run('index', ['--report', reportFile]);
    expect(result.code, result.stderr).toBe(0);
    const notes = result.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('embedding ')); // the progress lines
    expect(notes).toEqual([
      'garbage.txt is not a UTF-8 text file (first invalid byte at offset 0); skipped',
      '999 lines of many.jsonl are not valid JSON: lines 21, 41, 61, … and 996 more',
      'warning soon.jsonl:1: field "year" ignored: expected a four-digit year',
      `Every problem, one per line, is in ${reportFile}.`,
    ]);
    expect(result.stdout).toContain('Indexed 13 papers');
    expect(result.stdout).toContain('999 corpus lines and 1 corpus file were skipped');
    expect(result.stdout).toContain('1 corpus line has a field that was ignored; its paper is kept.');
    expect(result.stdout).not.toMatch(/1,000 corpus lines/);

    const report = (await readFile(reportFile, 'utf8')).split('\n').filter((l) => l !== '');
    expect(report).toHaveLength(1 + 999 + 1);
    expect(report[0]).toBe('garbage.txt is not a UTF-8 text file (first invalid byte at offset 0); skipped');
    expect(report[1]).toMatch(/^skipped many\.jsonl:21: not valid JSON \(/);
    expect(report[999]).toMatch(/^skipped many\.jsonl:19981: not valid JSON \(/);
    expect(report[1000]).toBe('warning soon.jsonl:1: field "year" ignored: expected a four-digit year');

    // Nothing changed: the same grouped report from the saved problems, without reading a line.
    const again = await ws.run('index');
    expect(again.stdout).toContain('Index is up to date');
    expect(again.stderr).toContain('999 lines of many.jsonl are not valid JSON: lines 21, 41, 61, … and 996 more');
    expect(again.stderr).toContain('Every problem, one per line: npm run index -- --report FILE');

    // Strict mode stops on the same problems, grouped, and still writes every one of them to the report.
    await rm(reportFile);
    const strict = await ws.run('index', ['--report', reportFile], { env: { CORPUS_STRICT: 'true' } });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('The corpus has 1001 problems (strict mode):');
    expect(strict.stderr).toContain('- 999 lines of many.jsonl are not valid JSON: lines 21, 41, 61, … and 996 more');
    expect(strict.stderr).toContain('- soon.jsonl:1: field "year" ignored: expected a four-digit year');
    expect((await readFile(reportFile, 'utf8')).split('\n').filter((l) => l !== '')).toHaveLength(1001);
  }, 60_000);

  it('npm run import --report writes the .bib problems and the build\'s, one per line; an entry with a bidi override stays out of the corpus', async () => {
    const ws = workspace();
    const bib = path.join(ws.dir, 'library.bib');
    await writeFile(
      bib,
      [
        `@article{fine2024,\n  title = {Curricula for Contrastive Pretraining},\n  year = {2024},\n  abstract = {${ABSTRACT(10)}}\n}`,
        `@article{bidi2024,\n  title = {Invoice \u202Efdp.exe},\n  abstract = {${ABSTRACT(11)}}\n}`,
        '@article{broken2024,\n  title = {Never closed\n',
      ].join('\n\n'),
    );
    const reportFile = path.join(ws.dir, 'import-problems.txt');
    const result = await ws.run('import', [bib, '--report', reportFile]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/library\.bib → .*library\.jsonl: 1 imported/);
    expect(result.stderr).toContain('library.bib:7: entry "bidi2024": the title contains U+202E (a bidi override); skipped');
    const report = (await readFile(reportFile, 'utf8')).split('\n').filter((l) => l !== '');
    expect(report[0]).toBe('library.bib:7: entry "bidi2024": the title contains U+202E (a bidi override); skipped');
    expect(report.some((l) => /^library\.bib:12: broken entry/.test(l))).toBe(true);
    expect(report.some((l) => l.startsWith('skipped many.jsonl:21: not valid JSON'))).toBe(true);
    expect(await readFile(path.join(ws.corpusDir, 'library.jsonl'), 'utf8')).not.toContain('\u202E');
  }, 60_000);

  it('npm run import refuses a .bib file that is not UTF-8 in one sentence naming the line and byte, instead of importing U+FFFD', async () => {
    const ws = workspace();
    const bib = path.join(ws.dir, 'latin1.bib');
    const text = `@article{mueller2024,\n  title = {Curricula},\n  author = {M\u00fcller, J\u00f6rg},\n  abstract = {${ABSTRACT(20)}}\n}\n`;
    await writeFile(bib, Buffer.from(text, 'latin1'));
    const result = await ws.run('import', [bib, '--into', path.join(ws.corpusDir, 'latin1.jsonl')]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `${bib} is not UTF-8 text (line 3: byte 0xfc at offset ${Buffer.from(text, 'latin1').indexOf(0xfc)}): export the library again as UTF-8 (or convert it with iconv -f latin1 -t utf-8); nothing was imported.`,
    );
    await expect(readFile(path.join(ws.corpusDir, 'latin1.jsonl'), 'utf8')).rejects.toThrow(/ENOENT/);
  }, 60_000);
});
