/**
 * What an incremental index build takes over from the current build: its store (copied; it carries when each
 * paper entered the index), its vectors when they are whole, or at least those entry times on a forced
 * rebuild. Whatever cannot be read is not reused, with a warning: the build then does that part from scratch.
 */
import type { WritablePaperStore } from '../core/retrieval/paper-store.ts';
import type { WritableVectorIndex } from '../core/retrieval/vector-index.ts';
import type { Logger } from '../core/logger.ts';
import type { IndexBackend } from './index-backend.ts';
import type { Manifest } from './manifest.ts';

/** When each paper of build `dir` entered the index; empty (every paper new) when its store cannot be read. */
export async function addedAtOf(backend: IndexBackend, dir: string, logger: Logger): Promise<Map<string, string>> {
  try {
    const store = await backend.papers.open(dir);
    try {
      return new Map((await store.allPapers()).map((p) => [p.id, p.addedAt]));
    } finally {
      await store.close();
    }
  } catch (error) {
    logger.warn({ err: error, dir }, 'the store of the current build cannot be read; every paper counts as newly added');
    return new Map();
  }
}

/** The previous build's store carried into the started build `dir` (it carries each paper's `added_at`), else a new one. */
export async function startStore(backend: IndexBackend, previousDir: string | null, dir: string, logger: Logger): Promise<{ store: WritablePaperStore; copied: boolean }> {
  if (previousDir !== null) {
    try {
      return { store: await backend.papers.copy(previousDir, dir), copied: true };
    } catch (error) {
      logger.warn({ err: error, dir: previousDir }, 'the current index build has an unusable store; building from scratch');
    }
  }
  return { store: await backend.papers.create(dir), copied: false };
}

/**
 * The previous build's vectors, carried into the started build `started`, when they are whole: a missing, unreadable or short vector file must not
 * survive as an empty index while the store says every passage has a vector (dense search would then find
 * nothing, silently). Null means every passage is embedded again.
 */
export async function previousVectors(backend: IndexBackend, dir: string, started: string, previous: Manifest, store: WritablePaperStore, logger: Logger): Promise<WritableVectorIndex | null> {
  const dims = previous.embeddings?.dims ?? 0;
  let vectors: WritableVectorIndex | null;
  try {
    vectors = await backend.vectors.load(dir, { dims, live: previous.counts.vectors, into: started });
  } catch (error) {
    logger.warn({ err: error, dir }, 'the vectors of the current index build cannot be read; embedding every passage again');
    return null;
  }
  if (vectors === null) {
    logger.warn({ dir }, 'the current index build has no vectors; embedding every passage again');
    return null;
  }
  const embedded = (await store.embeddedPassageIds()).length;
  if (vectors.slots !== previous.counts.vectorSlots || embedded !== previous.counts.vectors) {
    logger.warn({ dir, slots: vectors.slots, expectedSlots: previous.counts.vectorSlots, embedded, expected: previous.counts.vectors }, 'the vectors of the current index build do not match it; embedding every passage again');
    return null;
  }
  return vectors;
}
