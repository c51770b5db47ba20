/**
 * DATABASE_URL selects PostgreSQL for everything or for nothing: while only the state side exists there,
 * a command started with it refuses in one sentence, without the password, instead of running half on
 * PostgreSQL; a malformed URL is named at start like any other bad variable, its password masked.
 */
import { describe, expect, it } from 'vitest';
import { useWorkspace } from '../support/workspace.ts';

const ws = useWorkspace({ model: false });

describe('DATABASE_URL', () => {
  it('refuses to start half on PostgreSQL, saying why and what to do, without the password', async () => {
    const result = await ws().run('ask', ['What is FaMUS?'], { env: { DATABASE_URL: 'postgres://paperbot:s3cret-pw@db.internal:5432/paperbot', EMBEDDINGS: 'lexical' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      'DATABASE_URL is set, but the PostgreSQL backend is not finished (its state tables exist; papers, passages, search and vectors are still SQLite and hnswlib only), so paperbot does not start half on PostgreSQL: unset DATABASE_URL (see "Running past one machine" in the README).',
    );
  });

  it('names a URL that is not a PostgreSQL one, with its password masked', async () => {
    const result = await ws().run('ask', ['What is FaMUS?'], { env: { DATABASE_URL: 'mysql://paperbot:s3cret-pw@db.internal/paperbot', DATABASE_POOL_SIZE: '0' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('- DATABASE_URL = "mysql://paperbot:***@db.internal/paperbot": expected a PostgreSQL URL, e.g. postgres://user:password@host:5432/paperbot');
    expect(result.stderr).toContain('- DATABASE_POOL_SIZE = "0": expected at least 1');
    expect(result.stderr).not.toContain('s3cret');
  });
});
