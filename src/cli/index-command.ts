/**
 * `npm run index [-- --strict]`: build or update the index from the corpus folder.
 */
import { buildIndex } from '../indexing/build-index.ts';
import { createIndexBackend } from '../adapters/sqlite-hnsw-backend.ts';
import { loadEmbedder } from '../assistant/load-embedder.ts';
import { describeBuild } from '../assistant/start-assistant.ts';
import { defineCommandLine, parseCommandLine, printHelp } from './command-line.ts';
import { progressReporter } from './progress-bar.ts';
import type { CommandContext } from './run-main.ts';

export const INDEX_COMMAND_LINE = defineCommandLine({
  command: 'npm run index --',
  summary: 'Builds or updates the index (data/index) from the corpus folder: only new or changed papers are embedded.',
  options: {
    strict: { type: 'boolean', description: 'stop at the first bad corpus line instead of skipping it (also CORPUS_STRICT=true)' },
  },
});

export async function indexCommand({ argv, config, logger, stderr, stdout }: CommandContext): Promise<number> {
  const line = parseCommandLine(INDEX_COMMAND_LINE, argv);
  if (line.help) return printHelp(INDEX_COMMAND_LINE, stdout);
  const strict = line.options.strict || config.corpusStrict;

  const { embedder, warning } = await loadEmbedder(config.embeddings, logger);
  if (warning !== null) stderr.write(`${warning}\n`);
  try {
    const report = await buildIndex({
      corpusDir: config.corpusDir,
      indexDir: config.indexDir,
      embedder,
      backend: createIndexBackend(config),
      strict,
      logger,
      onProgress: progressReporter(stderr),
    });
    for (const text of describeBuild(report)) (text.startsWith('skipped') ? stderr : stdout).write(`${text}\n`);
    return 0;
  } finally {
    await embedder?.dispose();
  }
}
