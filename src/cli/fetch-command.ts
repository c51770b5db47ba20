/**
 * `npm run fetch -- arxiv cs.LG [stat.ML …] [--json] [--no-index] [--since YYYY-MM-DD] [--force]`: the day's
 * arXiv announcements (or, with --since, a backfill through the API) into corpus/arxiv/, then an
 * incremental index update. With --json exactly one object on stdout:
 * `{added, updated, unchanged, skipped, requests, problems}`.
 */
import { printBuildReport, warnAboutEmbedder } from './print-build-report.ts';
import type { FetchReport } from '../sources/arxiv/arxiv-service.ts';
import { defineCommandLine, parseCommandLine, printHelp, usageError } from './command-line.ts';
import type { CommandContext } from './run-main.ts';

export const FETCH_COMMAND_LINE = defineCommandLine({
  command: 'npm run fetch --',
  summary: "Fetches new papers from a source into the corpus (arXiv: today's announcements from its RSS feed, one polite request), then updates the index.",
  options: {
    json: { type: 'boolean', description: 'print exactly one JSON object on stdout: {added, updated, unchanged, skipped, requests, problems}' },
    'no-index': { type: 'boolean', description: 'write the corpus files only; `npm run index` indexes them later' },
    since: { type: 'string', value: 'date', description: 'backfill through the arXiv API: every paper submitted since this day (YYYY-MM-DD), paged' },
    force: { type: 'boolean', description: 'fetch the feed again even if it was fetched today' },
  },
  positionals: { name: 'source and categories', description: 'arxiv, then arXiv categories (e.g. cs.LG stat.ML; default: ARXIV_CATEGORIES)', required: true, several: true },
  notes: ['Requests to arXiv are at least ARXIV_MIN_INTERVAL_MS apart (3 s, as its terms ask); the files land in corpus/arxiv/<category>/<month>.jsonl.'],
});

export async function fetchCommand({ argv, app, config, stdout, stderr }: CommandContext): Promise<number> {
  const line = parseCommandLine(FETCH_COMMAND_LINE, argv);
  if (line.help) return printHelp(FETCH_COMMAND_LINE, stdout);
  const [source, ...named] = line.positionals;
  if (source !== 'arxiv') throw usageError(FETCH_COMMAND_LINE, `Unknown source "${source ?? ''}": the one source today is arxiv.`);
  const categories = named.length > 0 ? named : config.arxiv.categories;
  if (categories.length === 0) throw usageError(FETCH_COMMAND_LINE, 'Name the arXiv categories to fetch (e.g. `arxiv cs.LG stat.ML`), or set ARXIV_CATEGORIES.');
  const { since, force, json } = line.options;
  if (since !== undefined && !isDay(since)) throw usageError(FETCH_COMMAND_LINE, `--since must be a day as YYYY-MM-DD, got "${since}".`);

  const index = !line.options['no-index'];
  if (index) await warnAboutEmbedder(app, stderr);
  const arxiv = app.arxiv();
  const report = since === undefined ? await arxiv.fetchToday(categories, { force, index }) : await arxiv.backfill(categories, since, { index });

  if (json) {
    const { added, updated, unchanged, skipped, requests, problems } = report;
    stdout.write(`${JSON.stringify({ added, updated, unchanged, skipped, requests, problems })}\n`);
  } else {
    for (const text of describeFetch(categories, report)) stdout.write(`${text}\n`);
    for (const problem of report.problems) stderr.write(`skipped ${problem}\n`);
  }
  if (report.index !== null && !json) printBuildReport(report.index, { stderr, notes: stdout, reportHint: 'Every problem, one per line: npm run index -- --report FILE' });
  return 0;
}

function describeFetch(categories: readonly string[], report: FetchReport): string[] {
  const what = `arXiv ${categories.join(' ')}`;
  if (report.note !== null) return [`${what}: ${report.note}; nothing written.`];
  const requests = `${report.requests} request${report.requests === 1 ? '' : 's'}`;
  return [`${what}: ${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${report.skipped} skipped (${requests}).`];
}

function isDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}
