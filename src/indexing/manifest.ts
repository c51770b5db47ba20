/**
 * The manifest of an index build: what it was built with (model, dims, pooling, HNSW parameters), what it
 * holds (counts, corpus hash) and when. Checked at load so that a question is never embedded with one model
 * and searched among vectors of another.
 */
import type { EmbedderInfo } from '../core/retrieval/embedder.ts';

export const MANIFEST_VERSION = 1;

export interface Manifest {
  version: number;
  buildId: string;
  builtAt: string;
  /** Hash over every paper's content hash, in corpus order: equal means nothing to do. */
  corpusHash: string;
  counts: { papers: number; passages: number; vectors: number; vectorSlots: number };
  /** null: a lexical-only build (no model was available or EMBEDDINGS=lexical). */
  embeddings: (Pick<EmbedderInfo, 'modelId' | 'dims' | 'pooling' | 'dtype' | 'queryPrefix'>) | null;
  hnsw: { space: 'cosine'; m: number; efConstruction: number } | null;
  lastBuild: BuildStats;
}

export interface BuildStats {
  added: number;
  updated: number;
  removed: number;
  /** Passages embedded by this build. */
  embedded: number;
  /** Papers whose passages were embedded by this build. */
  embeddedPapers: number;
  durationMs: number;
  /** True when the vector index was rebuilt from stored vectors to drop deleted slots. */
  compacted: boolean;
}

/** The same model and parameters: vectors can be reused. */
export function sameEmbeddings(a: Manifest['embeddings'], b: Manifest['embeddings']): boolean {
  if (a === null || b === null) return a === b;
  return a.modelId === b.modelId && a.dims === b.dims && a.pooling === b.pooling && a.dtype === b.dtype && a.queryPrefix === b.queryPrefix;
}

export function describeEmbeddings(e: Manifest['embeddings']): string {
  return e === null ? 'no embeddings (lexical only)' : `${e.modelId} (${e.dims} dims, ${e.pooling} pooling, ${e.dtype})`;
}
