/**
 * DATABASE_URL selects PostgreSQL for everything or for nothing: a command started with it reads and writes
 * nothing of the data folder's index or state, and a server that is not there is one sentence without the
 * password; a malformed URL is named at start like any other bad variable, its password masked.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { useWorkspace } from '../support/workspace.ts';

const ws = useWorkspace({ model: false });

describe('DATABASE_URL', () => {
  it('selects PostgreSQL for everything: with no server there, a command fails in one sentence, naming no host or password', async () => {
    const port = await freePort(); // nothing listens there
    const result = await ws().run('ask', ['What is FaMUS?'], { env: { DATABASE_URL: `postgres://paperbot:s3cret-pw@127.0.0.1:${port}/paperbot`, EMBEDDINGS: 'lexical' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n').at(-1)).toBe(
      'The database is unreachable (connection refused): check that PostgreSQL is running and DATABASE_URL is right; the next operation connects again.',
    );
    expect(result.stderr).not.toContain('s3cret');
    // Nothing of the index or the state went to the data folder instead.
    expect(existsSync(path.join(ws().dataDir, 'index'))).toBe(false);
    expect(existsSync(path.join(ws().dataDir, 'state.sqlite'))).toBe(false);
  });

  it('names a URL that is not a PostgreSQL one, with its password masked', async () => {
    const result = await ws().run('ask', ['What is FaMUS?'], { env: { DATABASE_URL: 'mysql://paperbot:s3cret-pw@db.internal/paperbot', DATABASE_POOL_SIZE: '0' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('- DATABASE_URL = "mysql://paperbot:***@db.internal/paperbot": expected a PostgreSQL URL, e.g. postgres://user:password@host:5432/paperbot');
    expect(result.stderr).toContain('- DATABASE_POOL_SIZE = "0": expected at least 1');
    expect(result.stderr).not.toContain('s3cret');
  });
});
