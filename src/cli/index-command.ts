/**
 * `npm run index [-- --strict] [--rebuild] [--remove-missing] [--report FILE]`: build or update the index from the corpus folder (a
 * damaged current build is rebuilt from the corpus, and the command says so; --rebuild reuses nothing of it).
 */
import { reportLines } from '../core/corpus/corpus-report.ts';
import { CorpusProblemsError } from '../core/corpus/load-corpus.ts';
import { defineCommandLine, parseCommandLine, printHelp } from './command-line.ts';
import { printBuildReport, warnAboutEmbedder, writeProblemReport } from './print-build-report.ts';
import { progressReporter } from './progress-bar.ts';
import type { CommandContext } from './run-main.ts';

export const INDEX_COMMAND_LINE = defineCommandLine({
  command: 'npm run index --',
  summary: 'Builds or updates the index (data/index) from the corpus folder: only new or changed papers are embedded.',
  options: {
    strict: { type: 'boolean', description: 'stop at the first bad corpus line instead of skipping it (also CORPUS_STRICT=true)' },
    rebuild: { type: 'boolean', description: 'rebuild from scratch: parse every line and embed every paper again, reusing nothing of the current build' },
    'remove-missing': { type: 'boolean', description: 'remove the papers this corpus folder lacks even when the current build was made on another machine or from another folder (PostgreSQL refuses that otherwise)' },
    report: { type: 'string', value: 'file', description: 'write every corpus problem, one per line, to this file (the terminal groups them by file and kind)' },
  },
});

export async function indexCommand({ argv, config, app, stderr, stdout }: CommandContext): Promise<number> {
  const line = parseCommandLine(INDEX_COMMAND_LINE, argv);
  if (line.help) return printHelp(INDEX_COMMAND_LINE, stdout);
  const strict = line.options.strict || config.corpusStrict;

  await warnAboutEmbedder(app, stderr);
  const reportFile = line.options.report;
  let report;
  try {
    report = await app.buildIndex({ strict, rebuild: line.options.rebuild, removeMissing: line.options['remove-missing'], onProgress: progressReporter(stderr) });
  } catch (error) {
    // Strict mode stops on the problems: the report file still gets every one of them.
    if (reportFile !== undefined && error instanceof CorpusProblemsError) writeProblemReport(reportFile, reportLines(error.problems));
    throw error;
  }
  if (reportFile !== undefined) writeProblemReport(reportFile, reportLines(report.problems));
  printBuildReport(report, { stderr, notes: stdout, reportHint: reportFile === undefined ? 'Every problem, one per line: npm run index -- --report FILE' : `Every problem, one per line, is in ${reportFile}.` });
  return 0;
}
