/**
 * `npm run index [-- --strict]`: build or update the index from the corpus folder.
 */
import { UserError } from '../core/errors.ts';
import { buildIndex } from '../indexing/build-index.ts';
import { loadEmbedder } from '../assistant/load-embedder.ts';
import { describeBuild } from '../assistant/start-assistant.ts';
import { progressReporter } from './progress-bar.ts';
import type { CommandContext } from './run-main.ts';

export async function indexCommand({ argv, config, logger, stderr, stdout }: CommandContext): Promise<number> {
  const unknown = argv.filter((a) => a !== '--strict');
  if (unknown.length > 0) throw new UserError('E_USAGE', `Unknown option ${unknown[0]}. Usage: npm run index [-- --strict]`);
  const strict = argv.includes('--strict') || config.corpusStrict;

  const { embedder, warning } = await loadEmbedder(config.embeddings, logger);
  if (warning !== null) stderr.write(`${warning}\n`);
  try {
    const report = await buildIndex({
      corpusDir: config.corpusDir,
      indexDir: config.indexDir,
      embedder,
      hnsw: config.hnsw,
      strict,
      logger,
      onProgress: progressReporter(stderr),
    });
    for (const line of describeBuild(report)) (line.startsWith('skipped') ? stderr : stdout).write(`${line}\n`);
    return 0;
  } finally {
    await embedder?.dispose();
  }
}
