/**
 * The index backend of today: builds kept as folders under the index folder (file-build-catalog.ts: CURRENT,
 * builds/, build.lock), and in each build folder its papers and passages in SQLite/FTS5 (`papers.sqlite`) and
 * its passage vectors in hnswlib (`vectors.hnsw`). A build's handle is its folder. The adapters answer
 * synchronously (an Awaitable may be a plain value), so the SQLite path pays no promise per row.
 * It is chosen (or PostgreSQL's, with DATABASE_URL) in one place: create-backends.ts.
 */
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { DamagedFileError, type FileDamage, type IndexBackend } from '../indexing/index-backend.ts';
import { describeError } from '../core/errors.ts';
import { FileBuildCatalog } from './file-build-catalog.ts';
import { checkIndexDatabaseFile, INDEX_DATABASE_FILE, IndexDatabase } from './store/index-database.ts';
import { IndexDatabaseWriter } from './store/index-database-writer.ts';
import { HnswVectorIndex, VECTORS_FILE, type HnswParams } from './vector-index/hnsw-vector-index.ts';

/** The files of a build folder besides the catalog's (the benchmark reports their size). */
export const SQLITE_HNSW_FILES = { store: INDEX_DATABASE_FILE, vectors: VECTORS_FILE } as const;

export function createIndexBackend(config: Pick<Config, 'hnsw' | 'indexDir'>): IndexBackend {
  return sqliteHnswBackend(config.indexDir, config.hnsw);
}

/** The backend whose builds live in the folder `indexDir`. */
export function sqliteHnswBackend(indexDir: string, hnsw: HnswParams): IndexBackend {
  const store = (dir: string) => path.join(dir, INDEX_DATABASE_FILE);
  const vectorsFile = (dir: string) => path.join(dir, VECTORS_FILE);
  const damage = (what: FileDamage['what'], file: string, problem: string | null): FileDamage | null => (problem === null ? null : { what, file, problem });
  return {
    catalog: new FileBuildCatalog(indexDir),
    papers: {
      create: (dir) => IndexDatabaseWriter.create(store(dir)),
      copy: (fromDir, toDir) => {
        copyFileSync(store(fromDir), store(toDir));
        return IndexDatabaseWriter.open(store(toDir));
      },
      open: (dir) => IndexDatabase.open(store(dir)),
      check: (dir, expected, options) => damage('store', store(dir), checkIndexDatabaseFile(store(dir), expected, options)),
    },
    vectors: {
      params: { space: 'cosine', m: hnsw.m, efConstruction: hnsw.efConstruction },
      exists: (dir) => existsSync(vectorsFile(dir)),
      // The graph lives in memory until `save` writes it into the started build's folder.
      create: (_started, { dims, capacity }) => HnswVectorIndex.create({ dims, capacity, params: hnsw }),
      load: (dir, { dims, live }) => {
        try {
          return HnswVectorIndex.load(dir, { dims, live, efSearch: hnsw.efSearch });
        } catch (error) {
          // hnswlib's own words ("Index seems to be corrupted or unsupported"), with the file they are about.
          throw new DamagedFileError({ what: 'vectors', file: vectorsFile(dir), problem: `cannot be loaded (${describeError(error)})` }, { cause: error });
        }
      },
      check: (dir, expected) => damage('vectors', vectorsFile(dir), HnswVectorIndex.check(vectorsFile(dir), expected)),
    },
    close: async () => {},
  };
}
