/**
 * Two machines building into one PostgreSQL index, each from its own corpus folder: the build records where it
 * was made (host and corpus folder) in its manifest, and a build from another host or folder that would
 * remove papers of the current build is refused in one sentence naming both places, leaving the current build
 * answering; a build that only adds papers, a build from the same place, and `--remove-missing` or
 * `--rebuild` (the removal meant) go through. Lexical-only builds on PGlite on the wire: the refusal happens before anything is embedded.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresIndexBackend } from '../../src/adapters/postgres/postgres-index-backend.ts';
import { UserError } from '../../src/core/errors.ts';
import { buildIndex } from '../../src/indexing/build-index.ts';
import { closeAfterEach } from '../support/close-after-each.ts';
import { usePgliteServer, type PgliteServer } from '../support/pglite-server.ts';

const SHIPPED = path.resolve(import.meta.dirname, '../../corpus/seed-papers.jsonl');

let server: PgliteServer;
let tmp: string;
const backends = closeAfterEach<PostgresIndexBackend>();
usePgliteServer((started) => {
  server = started;
});
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'paperbot-pg-origin-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const open = async () => backends(await PostgresIndexBackend.open({ url: server.url, poolSize: 3, statementTimeoutMs: 20_000, hnsw: { m: 16, efConstruction: 64, efSearch: 40 } }));

/** A corpus folder holding the shipped corpus's lines `from`..`to` (0-based, end excluded). */
function corpusOf(name: string, from: number, to: number): string {
  const dir = mkdtempSync(path.join(tmp, `${name}-`));
  const lines = readFileSync(SHIPPED, 'utf8').split('\n').filter(Boolean);
  writeFileSync(path.join(dir, 'seed-papers.jsonl'), `${lines.slice(from, to).join('\n')}\n`);
  return dir;
}

describe('builds from two machines into one PostgreSQL index', () => {
  it('refuses a build from another host whose corpus folder lacks papers of the current build, naming both places', async () => {
    const backend = await open();
    const first = corpusOf('alpha', 0, 11);
    const second = corpusOf('beta', 0, 8);
    const built = await buildIndex({ corpusDir: first, embedder: null, backend, host: 'alpha' });
    expect(built.manifest.origin).toEqual({ host: 'alpha', corpusDir: path.resolve(first) });

    const refused = await buildIndex({ corpusDir: second, embedder: null, backend, host: 'beta' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).code).toBe('E_CORPUS_ELSEWHERE');
    const sentence = (refused as Error).message;
    expect(sentence).toContain(`${path.resolve(first)} on alpha`);
    expect(sentence).toContain(`${path.resolve(second)} on beta`);
    expect(sentence).toContain('would remove 3 of its papers');
    expect(sentence).toContain('npm run index -- --remove-missing');
    // The current build is untouched: still alpha's, all 11 papers.
    expect(await backend.catalog.current()).toBe(built.buildDir);
    expect((await (await backend.papers.open(built.buildDir)).counts()).papers).toBe(11);

    // Meant: --remove-missing removes them in an ordinary incremental build, --rebuild by reusing nothing.
    const removed = await buildIndex({ corpusDir: second, embedder: null, backend, host: 'beta', removeMissing: true });
    expect(removed.stats).toMatchObject({ added: 0, removed: 3 });
    expect(removed.manifest.origin).toEqual({ host: 'beta', corpusDir: path.resolve(second) });
    await buildIndex({ corpusDir: first, embedder: null, backend, host: 'alpha' }); // alpha's 11 again (it only adds)
    const rebuilt = await buildIndex({ corpusDir: second, embedder: null, backend, host: 'beta', rebuild: true });
    expect(rebuilt.manifest.counts.papers).toBe(8);
  });

  it('lets through a build from another folder that only adds papers, and builds from the same place', async () => {
    const backend = await open();
    const first = corpusOf('alpha', 0, 8);
    await buildIndex({ corpusDir: first, embedder: null, backend, host: 'alpha' });
    const more = corpusOf('beta', 0, 11);
    const added = await buildIndex({ corpusDir: more, embedder: null, backend, host: 'beta' });
    expect(added.stats.added).toBe(3);
    // The same machine and folder removing a paper is an ordinary incremental build.
    copyFileSync(path.join(corpusOf('less', 0, 10), 'seed-papers.jsonl'), path.join(more, 'seed-papers.jsonl'));
    const removed = await buildIndex({ corpusDir: more, embedder: null, backend, host: 'beta' });
    expect(removed.stats.removed).toBe(1);
  });
});
