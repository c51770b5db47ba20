/**
 * The index backend of today: papers and passages in SQLite/FTS5 (`papers.sqlite`), passage vectors in
 * hnswlib (`vectors.hnsw`), both files in the build folder. `createIndexBackend` is the one place a backend
 * is chosen from the config; another backend (PostgreSQL) is its adapters plus a branch there.
 */
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { DamagedFileError, type FileDamage, type IndexBackend } from '../indexing/index-backend.ts';
import { describeError } from '../core/errors.ts';
import { checkIndexDatabaseFile, INDEX_DATABASE_FILE, IndexDatabase } from './store/index-database.ts';
import { IndexDatabaseWriter } from './store/index-database-writer.ts';
import { HnswVectorIndex, VECTORS_FILE, type HnswParams } from './vector-index/hnsw-vector-index.ts';

/** The files of a build folder besides the manifest (the benchmark reports their size). */
export const SQLITE_HNSW_FILES = { store: INDEX_DATABASE_FILE, vectors: VECTORS_FILE } as const;

export function createIndexBackend(config: Pick<Config, 'hnsw'>): IndexBackend {
  return sqliteHnswBackend(config.hnsw);
}

export function sqliteHnswBackend(hnsw: HnswParams): IndexBackend {
  const store = (dir: string) => path.join(dir, INDEX_DATABASE_FILE);
  const vectorsFile = (dir: string) => path.join(dir, VECTORS_FILE);
  const damage = (what: FileDamage['what'], file: string, problem: string | null): FileDamage | null => (problem === null ? null : { what, file, problem });
  return {
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
      exists: (dir) => existsSync(path.join(dir, VECTORS_FILE)),
      create: ({ dims, capacity }) => HnswVectorIndex.create({ dims, capacity, params: hnsw }),
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
  };
}
