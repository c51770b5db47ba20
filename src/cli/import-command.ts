/**
 * `npm run import -- library.bib [--into corpus/library.jsonl] [--json]`: a BibTeX library (Zotero, Mendeley,
 * JabRef) becomes a corpus file of its own, then the index is updated. The conversion is
 * src/sources/bibtex/import-bibtex.ts; this reads the command line and says what happened.
 */
import path from 'node:path';
import { UserError, isUserError } from '../core/errors.ts';
import { reportLines } from '../core/corpus/corpus-report.ts';
import { importBibtex, type FetchAbstracts, type ImportReport } from '../sources/bibtex/import-bibtex.ts';
import { defineCommandLine, parseCommandLine, printHelp } from './command-line.ts';
import { printBuildReport, warnAboutEmbedder, writeProblemReport } from './print-build-report.ts';
import { progressReporter } from './progress-bar.ts';
import type { CommandContext } from './run-main.ts';

export const IMPORT_COMMAND_LINE = defineCommandLine({
  command: 'npm run import --',
  summary:
    'Converts a BibTeX file (a Zotero, Mendeley or JabRef export) into a corpus file and updates the index. The .bib file is the source of truth for that file: importing it again updates, adds and removes its papers.',
  options: {
    into: { type: 'string', value: 'file', description: 'the corpus file to write, inside the corpus folder (default: <corpus folder>/<name of the .bib file>.jsonl)' },
    json: { type: 'boolean', description: 'print exactly one JSON object on stdout: {imported, updated, removed, unchanged, withoutAbstract, fetched, problems}' },
    'no-index': { type: 'boolean', description: 'only write the corpus file; `npm run index` updates the index later' },
    report: { type: 'string', value: 'file', description: "write every problem (the .bib file's and the index build's corpus problems), one per line, to this file" },
    'fetch-missing': { type: 'boolean', description: 'get the abstracts the library lacks from the arXiv API, for entries with an arXiv id (ARXIV_API_URL)' },
  },
  positionals: { name: 'file.bib', description: 'the BibTeX file to import', required: true, several: false },
  notes: ['Entries without an abstract are listed by citation key and line and left out (the corpus holds abstracts), unless --fetch-missing finds theirs on arXiv.'],
});

export async function importCommand({ argv, config, app, stdout, stderr }: CommandContext): Promise<number> {
  const line = parseCommandLine(IMPORT_COMMAND_LINE, argv);
  if (line.help) return printHelp(IMPORT_COMMAND_LINE, stdout);
  const bibFile = path.resolve(line.positionals[0] ?? '');
  const intoFile = path.resolve(line.options.into ?? path.join(config.corpusDir, `${path.basename(bibFile).replace(/\.bib$/i, '')}.jsonl`));
  const relative = path.relative(config.corpusDir, intoFile);
  if (relative.startsWith('..') || path.isAbsolute(relative) || !/\.jsonl$/i.test(intoFile)) {
    throw new UserError('E_USAGE', `--into ${line.options.into ?? intoFile} must be a .jsonl file inside the corpus folder ${config.corpusDir} (CORPUS_DIR), or the index would not see it.`);
  }

  const fetchAbstracts: FetchAbstracts = async (ids) => {
    try {
      const batch = await app.arxiv().papersByIds(ids);
      return { papers: batch.items.flatMap(({ record }) => (record.arxiv_id === null ? [] : [{ arxivId: record.arxiv_id, abstract: record.abstract }])), problems: batch.skipped };
    } catch (error) {
      // arXiv down or rate-limited: the library is still imported, without the abstracts it lacks.
      if (isUserError(error)) return { papers: [], problems: [`${error.message} The entries without an abstract were left out.`] };
      throw error;
    }
  };
  const report = await importBibtex({ bibFile, intoFile, ...(line.options['fetch-missing'] ? { fetchAbstracts } : {}) });
  const shown = path.relative(process.cwd(), intoFile) || intoFile;
  const notes = line.options.json ? stderr : stdout;
  if (!line.options.json) for (const text of describeImport(report, path.basename(bibFile), shown)) stdout.write(`${text}\n`);
  const bibProblems = report.problems.map((problem) => `${path.basename(bibFile)}${problem.line > 0 ? `:${problem.line}` : ''}: ${problem.message}`);
  for (const text of bibProblems) stderr.write(`${text}\n`);

  const reportFile = line.options.report;
  if (!line.options['no-index']) {
    await warnAboutEmbedder(app, stderr);
    const build = await app.buildIndex({ onProgress: progressReporter(stderr) });
    if (reportFile !== undefined) writeProblemReport(reportFile, [...bibProblems, ...reportLines(build.problems)]);
    const hint = reportFile === undefined ? 'Every problem, one per line: add --report FILE' : `Every problem, one per line, is in ${reportFile}.`;
    printBuildReport(build, { stderr, notes, reportHint: hint });
  } else if (reportFile !== undefined) {
    writeProblemReport(reportFile, bibProblems);
  }
  if (line.options.json) {
    const { imported, updated, removed, unchanged, withoutAbstract, fetched, problems } = report;
    stdout.write(`${JSON.stringify({ imported, updated, removed, unchanged, withoutAbstract, fetched, problems })}\n`);
  }
  return 0;
}

function describeImport(report: ImportReport, bibName: string, intoName: string): string[] {
  const fetched = report.fetched > 0 ? ` (${report.fetched} with abstracts from arXiv)` : '';
  const lines = [`${bibName} → ${intoName}: ${report.imported} imported, ${report.updated} updated, ${report.removed} removed, ${report.unchanged} unchanged${fetched}.`];
  if (report.withoutAbstractAt.length > 0) {
    const where = report.withoutAbstractAt.map(({ key, line }) => `${key} (line ${line})`).join(', ');
    lines.push(`${report.withoutAbstractAt.length} without an abstract, left out: ${where}.`);
  }
  return lines;
}
