/**
 * Opens the current index build for questions, and follows it: when `npm run index` publishes a new build,
 * the next call to `current()` switches to it (it asks the backend's catalog which build is current), so a
 * running bot sees new papers without a restart. The build is checked first (inspect-build.ts: a damaged file
 * is one sentence naming it), and its manifest against the embedder: vectors made by another model are never
 * searched.
 */
import { describeError, UserError } from '../core/errors.ts';
import type { Embedder } from '../core/retrieval/embedder.ts';
import type { VectorIndex } from '../core/retrieval/vector-index.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { DamagedFileError, type IndexBackend, type OpenPaperStore } from './index-backend.ts';
import { damagedIndexError, inspectBuild } from './inspect-build.ts';
import { describeEmbeddings, type Manifest } from './manifest.ts';

export interface OpenIndex {
  /** The build's handle in the catalog (SQLite/hnswlib: its folder). */
  dir: string;
  manifest: Manifest;
  store: OpenPaperStore;
  /** null when the build has no vectors or no matching embedder is loaded (lexical retrieval). */
  vectors: VectorIndex | null;
  /** Why dense retrieval is off, when it is. */
  lexicalReason: string | null;
}

export interface OpenIndexOptions {
  embedder: Embedder | null;
  /** Where the builds, their papers and vectors are kept (the composition root passes createIndexBackend's, sqlite-hnsw-backend.ts). */
  backend: IndexBackend;
  logger?: Logger;
}

export async function openIndex({ embedder, backend }: OpenIndexOptions): Promise<OpenIndex> {
  const dir = await backend.catalog.current();
  if (dir === null) throw new UserError('E_INDEX_MISSING', `There is no index in ${backend.catalog.location} yet: run \`npm run index\` to build it (npm start builds it automatically).`);
  return openBuild(dir, embedder, backend);
}

async function openBuild(dir: string, embedder: Embedder | null, backend: IndexBackend): Promise<OpenIndex> {
  // A damaged build is explained in one sentence here, not by a stack from SQLite or hnswlib later.
  const inspected = await inspectBuild(dir, backend);
  if (inspected.damage !== null) throw damagedIndexError(inspected.damage);
  const { manifest } = inspected;
  const built = manifest.embeddings;
  if (built !== null && embedder !== null) {
    const { modelId, dims, pooling } = embedder.info;
    if (built.modelId !== modelId || built.dims !== dims || built.pooling !== pooling) {
      throw new UserError(
        'E_INDEX_MISMATCH',
        `The index was built with ${describeEmbeddings(built)} but the configured model is ${modelId} (${dims} dims, ${pooling} pooling): run \`npm run index\` to rebuild it with the configured model, or set EMBEDDING_MODEL back to ${built.modelId}.`,
      );
    }
  }
  let vectors: VectorIndex | null = null;
  let lexicalReason: string | null = null;
  if (built === null) {
    lexicalReason = 'the index was built without embeddings';
  } else if (embedder === null) {
    lexicalReason = `the embedding model ${built.modelId} is not loaded`;
  } else {
    try {
      vectors = await backend.vectors.load(dir, { dims: built.dims, live: manifest.counts.vectors });
    } catch (error) {
      if (error instanceof DamagedFileError) throw damagedIndexError(error.damage, error);
      throw error;
    }
    if (vectors === null) throw new UserError('E_INDEX_CORRUPT', `The index build ${dir} has lost its vectors: run \`npm run index\` to embed the papers again.`);
  }
  return { dir, manifest, store: await backend.papers.open(dir), vectors, lexicalReason };
}

/** Follows the catalog's current build; old builds are closed after a grace period so in-flight questions finish on them. */
export class IndexHandle {
  private pointer: string;
  private readonly closers = new Set<NodeJS.Timeout>();
  private readonly retired: OpenIndex[] = [];
  /** One switch at a time: questions arriving meanwhile wait for it instead of opening the new build again. */
  private switching: Promise<void> | null = null;

  private constructor(
    private readonly options: OpenIndexOptions & { graceMs?: number },
    private open: OpenIndex,
  ) {
    this.pointer = open.dir;
  }

  /** The current build, opened (E_INDEX_MISSING when there is none, E_INDEX_CORRUPT when it is damaged). */
  static async open(options: OpenIndexOptions & { graceMs?: number }): Promise<IndexHandle> {
    return new IndexHandle(options, await openIndex(options));
  }

  /** The current build, switching to a newer one if `npm run index` published it. */
  async current(): Promise<OpenIndex> {
    const pointer = await this.options.backend.catalog.current();
    if (pointer !== this.pointer && pointer !== null) {
      this.switching ??= this.switchTo(pointer).finally(() => {
        this.switching = null;
      });
      await this.switching;
    }
    return this.open;
  }

  private async switchTo(pointer: string): Promise<void> {
    const logger = this.options.logger ?? silentLogger;
    try {
      const next = await openIndex(this.options);
      const old = this.open;
      this.open = next;
      this.pointer = next.dir;
      logger.info({ buildId: next.manifest.buildId, papers: next.manifest.counts.papers }, 'switched to a new index build');
      this.retire(old);
    } catch (error) {
      // Keep answering from the build we have; say why once per pointer.
      this.pointer = pointer;
      if (this.options.backend.catalog.replacesInPlace === true && this.open.vectors !== null) {
        // The vectors this build searched were replaced by the new build's, made by a model this process does
        // not have (E_INDEX_MISMATCH) or unusable: searching them with this model's query vectors would rank
        // passages by meaningless similarities. The papers are the new build's too and still answer, by words.
        this.open = { ...this.open, vectors: null, lexicalReason: `a newer index build was published that this process cannot search (${describeError(error)})` };
        logger.error({ err: error }, 'a new index build was published but cannot be opened; answering from the papers alone (by words) until this process is restarted with its model');
        return;
      }
      logger.error({ err: error }, 'a new index build was published but cannot be opened; still using the previous one');
    }
  }

  async close(): Promise<void> {
    for (const timer of this.closers) clearTimeout(timer);
    this.closers.clear();
    for (const old of this.retired.splice(0)) await old.store.close();
    await this.open.store.close();
  }

  private retire(old: OpenIndex): void {
    this.retired.push(old);
    const timer = setTimeout(() => {
      this.closers.delete(timer);
      this.retired.splice(this.retired.indexOf(old), 1);
      Promise.resolve()
        .then(() => old.store.close())
        .catch((error: unknown) => (this.options.logger ?? silentLogger).warn({ err: error, build: old.dir }, 'an old index build could not be closed'));
    }, this.options.graceMs ?? 60_000);
    timer.unref();
    this.closers.add(timer);
  }
}
