/**
 * Opens the current index build for questions, and follows it: when `npm run index` publishes a new build,
 * the next call to `current()` switches to it, so a running bot sees new papers without a restart. The
 * build is checked first (inspect-build.ts: a damaged file is one sentence naming it), and its manifest
 * against the embedder: vectors made by another model are never searched.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import type { Embedder } from '../core/retrieval/embedder.ts';
import type { VectorIndex } from '../core/retrieval/vector-index.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { DamagedFileError, type IndexBackend, type OpenPaperStore } from './index-backend.ts';
import { currentBuildDir, indexLayout, type IndexLayout } from './index-layout.ts';
import { damagedIndexError, inspectBuild } from './inspect-build.ts';
import { describeEmbeddings, type Manifest } from './manifest.ts';

export interface OpenIndex {
  dir: string;
  manifest: Manifest;
  store: OpenPaperStore;
  /** null when the build has no vectors or no matching embedder is loaded (lexical retrieval). */
  vectors: VectorIndex | null;
  /** Why dense retrieval is off, when it is. */
  lexicalReason: string | null;
}

export interface OpenIndexOptions {
  indexDir: string;
  embedder: Embedder | null;
  /** Where the build's papers and vectors are kept (the composition root passes createIndexBackend's, sqlite-hnsw-backend.ts). */
  backend: IndexBackend;
  logger?: Logger;
}

export function openIndex({ indexDir, embedder, backend }: OpenIndexOptions): OpenIndex {
  const layout = indexLayout(indexDir);
  const dir = currentBuildDir(layout);
  if (dir === null) throw new UserError('E_INDEX_MISSING', `There is no index in ${indexDir} yet: run \`npm run index\` to build it (npm start builds it automatically).`);
  return openBuild(dir, embedder, backend);
}

function openBuild(dir: string, embedder: Embedder | null, backend: IndexBackend): OpenIndex {
  // A damaged build is explained in one sentence here, not by a stack from SQLite or hnswlib later.
  const inspected = inspectBuild(dir, backend);
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
      vectors = backend.vectors.load(dir, { dims: built.dims, live: manifest.counts.vectors });
    } catch (error) {
      if (error instanceof DamagedFileError) throw damagedIndexError(error.damage, error);
      throw error;
    }
    if (vectors === null) throw new UserError('E_INDEX_CORRUPT', `The index build ${dir} has lost its vectors: run \`npm run index\` to embed the papers again.`);
  }
  return { dir, manifest, store: backend.papers.open(dir), vectors, lexicalReason };
}

/** Follows CURRENT; old builds are closed after a grace period so in-flight questions finish on them. */
export class IndexHandle {
  private open: OpenIndex;
  private pointer: string;
  private readonly layout: IndexLayout;
  private readonly closers = new Set<NodeJS.Timeout>();
  private readonly retired: OpenIndex[] = [];

  constructor(private readonly options: OpenIndexOptions & { graceMs?: number }) {
    this.layout = indexLayout(options.indexDir);
    this.open = openIndex(options);
    this.pointer = this.readPointer();
  }

  /** The current build, switching to a newer one if `npm run index` published it. */
  current(): OpenIndex {
    const pointer = this.readPointer();
    if (pointer !== this.pointer && pointer !== '') {
      try {
        const next = openIndex(this.options);
        const old = this.open;
        this.open = next;
        this.pointer = pointer;
        (this.options.logger ?? silentLogger).info({ buildId: next.manifest.buildId, papers: next.manifest.counts.papers }, 'switched to a new index build');
        this.retire(old);
      } catch (error) {
        // Keep answering from the build we have; say why once per pointer.
        this.pointer = pointer;
        (this.options.logger ?? silentLogger).error({ err: error }, 'a new index build was published but cannot be opened; still using the previous one');
      }
    }
    return this.open;
  }

  close(): void {
    for (const timer of this.closers) clearTimeout(timer);
    this.closers.clear();
    for (const old of this.retired.splice(0)) closeQuietly(old);
    closeQuietly(this.open);
  }

  private retire(old: OpenIndex): void {
    this.retired.push(old);
    const timer = setTimeout(() => {
      this.closers.delete(timer);
      this.retired.splice(this.retired.indexOf(old), 1);
      closeQuietly(old);
    }, this.options.graceMs ?? 60_000);
    timer.unref();
    this.closers.add(timer);
  }

  private readPointer(): string {
    try {
      return readFileSync(this.layout.current, 'utf8').trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
  }
}

function closeQuietly(index: OpenIndex): void {
  index.store.close();
}
