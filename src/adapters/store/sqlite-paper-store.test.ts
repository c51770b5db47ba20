/**
 * The text store's contract (paper-store.contract.ts) on SQLite/FTS5: each store a new file in a temp
 * folder (tmpfs where there is one), published by closing the writer and opening the file read-only, as a build does.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe } from 'vitest';
import { IndexDatabase } from './index-database.ts';
import { IndexDatabaseWriter } from './index-database-writer.ts';
import { paperStoreContract } from './paper-store.contract.ts';

// The contract writes paper by paper, outside a transaction: on a tmpfs, SQLite's syncs of each write cost nothing (7 s -> 1 s here).
const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'paperbot-store-contract-'));
const files = new Map<unknown, string>();
const open: { close(): void }[] = [];
afterEach(() => open.splice(0).forEach((store) => store.close()));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite text store', () => {
  paperStoreContract({
    create: async () => {
      const file = path.join(dir, `store-${files.size}.sqlite`);
      const writer = IndexDatabaseWriter.create(file);
      files.set(writer, file);
      open.push(writer);
      return writer;
    },
    publish: async (writer) => {
      await writer.close();
      const reader = IndexDatabase.open(files.get(writer) as string);
      open.push(reader);
      return reader;
    },
  });
});
