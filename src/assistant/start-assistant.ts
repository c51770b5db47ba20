/**
 * Builds a ready Assistant from the config: the embedder (per EMBEDDINGS), the index (built first when
 * missing and `buildIfMissing`), the language model when one is configured. The one place that wires these.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../core/logger.ts';
import type { ChatModel } from '../core/answering/chat-model.ts';
import { createOpenAIChatModel } from '../adapters/llm/openai-chat-model.ts';
import { createIndexBackend } from '../adapters/sqlite-hnsw-backend.ts';
import { buildIndex, type BuildReport, type BuildProgress } from '../indexing/build-index.ts';
import { currentBuildDir, indexLayout } from '../indexing/index-layout.ts';
import { IndexHandle } from '../indexing/open-index.ts';
import { Assistant } from './assistant.ts';
import { loadEmbedder } from './load-embedder.ts';

export interface StartAssistantOptions {
  config: Config;
  logger: Logger;
  /** Build the index first when there is none (npm start). */
  buildIfMissing?: boolean;
  /** Shown to the person: warnings, build reports. */
  notify?: (line: string) => void;
  onProgress?: (progress: BuildProgress) => void;
  /** Tests inject a chat model; otherwise it comes from the config. */
  chatModel?: ChatModel;
}

export async function startAssistant({ config, logger, buildIfMissing = false, notify = () => {}, onProgress, chatModel }: StartAssistantOptions): Promise<Assistant> {
  const { embedder, warning } = await loadEmbedder(config.embeddings, logger);
  if (warning !== null) notify(warning);

  const backend = createIndexBackend(config);
  if (buildIfMissing && currentBuildDir(indexLayout(config.indexDir)) === null) {
    notify(`No index yet: building it from ${config.corpusDir} …`);
    const report = await buildIndex({
      corpusDir: config.corpusDir,
      indexDir: config.indexDir,
      embedder,
      backend,
      strict: config.corpusStrict,
      logger,
      ...(onProgress ? { onProgress } : {}),
    });
    for (const line of describeBuild(report)) notify(line);
  }

  const index = new IndexHandle({ indexDir: config.indexDir, embedder, backend, logger });
  const llm = chatModel ?? createChatModel(config, logger);
  const assistant = new Assistant({ config, index, embedder, chatModel: llm, logger });
  for (const note of assistant.startupNotes()) notify(note);
  return assistant;
}

/** The configured language model, or undefined when none is configured (extractive answers). */
export function createChatModel(config: Pick<Config, 'llm'>, logger: Logger): ChatModel | undefined {
  return config.llm.enabled ? createOpenAIChatModel({ ...config.llm, logger }) : undefined;
}

/** Lines a person reads after a build: what changed, what was skipped and where. */
export function describeBuild(report: BuildReport): string[] {
  const { stats, manifest, problems } = report;
  const lines = problems.map((p) => `skipped ${p.line > 0 ? `${p.file}:${p.line}` : p.file}: ${p.message.replace(/; skipped$/, '')}`);
  if (report.upToDate) {
    lines.push(`Index is up to date: ${manifest.counts.papers} papers, ${manifest.counts.passages} passages; embedded 0 papers.`);
  } else {
    const vectors = manifest.embeddings === null ? 'lexical only (no embeddings)' : `embedded ${stats.embeddedPapers} paper${stats.embeddedPapers === 1 ? '' : 's'} (${stats.embedded} passage${stats.embedded === 1 ? '' : 's'}) with ${manifest.embeddings.modelId}`;
    lines.push(
      `Indexed ${manifest.counts.papers} papers, ${manifest.counts.passages} passages: ${stats.added} added, ${stats.updated} updated, ${stats.removed} removed; ${vectors}; ${(stats.durationMs / 1000).toFixed(1)} s.`,
    );
  }
  if (problems.length > 0) lines.push(`${problems.length} corpus line${problems.length === 1 ? ' was' : 's were'} skipped (run with --strict or CORPUS_STRICT=true to stop on them instead).`);
  return lines;
}
