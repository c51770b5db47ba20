/**
 * `npm run index [-- --strict] [-- --rebuild]`: build or update the index from the corpus folder (a damaged
 * current build is rebuilt from the corpus, and the command says so; --rebuild reuses nothing of it).
 */
import { describeBuild } from '../indexing/describe-build.ts';
import { defineCommandLine, parseCommandLine, printHelp } from './command-line.ts';
import { progressReporter } from './progress-bar.ts';
import type { CommandContext } from './run-main.ts';

export const INDEX_COMMAND_LINE = defineCommandLine({
  command: 'npm run index --',
  summary: 'Builds or updates the index (data/index) from the corpus folder: only new or changed papers are embedded.',
  options: {
    strict: { type: 'boolean', description: 'stop at the first bad corpus line instead of skipping it (also CORPUS_STRICT=true)' },
    rebuild: { type: 'boolean', description: 'rebuild from scratch: parse every line and embed every paper again, reusing nothing of the current build' },
  },
});

export async function indexCommand({ argv, config, app, stderr, stdout }: CommandContext): Promise<number> {
  const line = parseCommandLine(INDEX_COMMAND_LINE, argv);
  if (line.help) return printHelp(INDEX_COMMAND_LINE, stdout);
  const strict = line.options.strict || config.corpusStrict;

  const { warning } = await app.embedder();
  if (warning !== null) stderr.write(`${warning}\n`);
  const report = await app.buildIndex({ strict, rebuild: line.options.rebuild, onProgress: progressReporter(stderr) });
  for (const text of describeBuild(report)) (text.startsWith('skipped') ? stderr : stdout).write(`${text}\n`);
  return 0;
}
