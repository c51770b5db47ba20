/**
 * The state stores' contract (state-stores.contract.ts) on SQLite: a fresh `state.sqlite` in a temp folder
 * for each test, opened again (as a second process would) by each `open` within it.
 */
import Database from 'better-sqlite3';
import { describe } from 'vitest';
import { stateStoresContract } from './state-stores.contract.ts';
import { StateDatabase } from './state-database.ts';
import { STATE_MIGRATIONS } from './state-migrations.ts';
import { useTempStateFile } from './temp-state-file.fixture.ts';

const stateFile = useTempStateFile('paperbot-state-stores');

describe('SQLite state stores', () => {
  stateStoresContract({
    migrations: STATE_MIGRATIONS.length,
    open: async ({ upTo } = {}) => StateDatabase.open(stateFile(), { migrations: STATE_MIGRATIONS.slice(0, upTo ?? STATE_MIGRATIONS.length) }),
    rows: async (table) => {
      const db = new Database(stateFile(), { readonly: true });
      try {
        return db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
      } finally {
        db.close();
      }
    },
  });
});
