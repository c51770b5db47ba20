/**
 * Run as its own process by the benchmark: loads the embedding model and an index the way the bot does,
 * answers a few questions, and prints the resident set size at each step as one JSON line. A separate
 * process, so the benchmark's own allocations do not count.
 *
 *   tsx bench/memory-probe.ts '{"dataDir": "...", "modelDir": "...", "questions": ["..."]}'
 */
import { parseConfig } from '../src/config.ts';
import { silentLogger } from '../src/core/logger.ts';
import { Assistant } from '../src/assistant/assistant.ts';
import { loadEmbedder } from '../src/assistant/load-embedder.ts';
import { IndexHandle } from '../src/indexing/open-index.ts';
import { createIndexBackend } from '../src/adapters/sqlite-hnsw-backend.ts';

interface ProbeInput {
  dataDir: string;
  modelDir: string;
  questions: string[];
}

const input = JSON.parse(process.argv[2] ?? '{}') as ProbeInput;
const mb = () => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
const rssStart = mb();
const config = parseConfig({ DATA_DIR: input.dataDir, EMBEDDINGS: 'dense', EMBEDDING_MODEL_DIR: input.modelDir, EMBEDDING_ALLOW_REMOTE: 'false', EMBEDDING_WORKERS: '0' });
const { embedder } = await loadEmbedder(config.embeddings, silentLogger);
const rssModel = mb();
const t0 = performance.now();
const index = await IndexHandle.open({ embedder, backend: createIndexBackend(config), logger: silentLogger });
const loadMs = performance.now() - t0;
const rssIndex = mb();
const assistant = new Assistant({ config, index, embedder, logger: silentLogger });
for (const q of input.questions) await assistant.ask(q);
const rssAnswered = mb();
process.stdout.write(`${JSON.stringify({ rssStartMb: rssStart, rssModelMb: rssModel, rssIndexMb: rssIndex, rssAfterQuestionsMb: rssAnswered, indexLoadMs: Math.round(loadMs) })}\n`);
await assistant.close();
await embedder?.dispose();
process.exit(0);
