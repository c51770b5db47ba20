/**
 * The index's text store on a real SQLite file with the shipped papers: a question costs a handful of
 * statements however many papers and terms it touches, lookups of many ids stay correct (and clear of
 * SQLite's variable limit), and a file of another schema version is refused with a sentence to rebuild.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkText } from '../../core/corpus/chunk-passages.ts';
import type { Paper } from '../../core/corpus/paper.ts';
import { parseCorpusFile } from '../../core/corpus/parse-corpus-file.ts';
import { retrieve } from '../../core/retrieval/hybrid-search.ts';
import { IndexDatabase } from './index-database.ts';
import { IndexDatabaseWriter } from './index-database-writer.ts';

const SHIPPED = path.resolve(import.meta.dirname, '../../../corpus/seed-papers.jsonl');
const PAPERS: Paper[] = parseCorpusFile('seed-papers.jsonl', readFileSync(SHIPPED, 'utf8')).papers;
const QUESTION = 'How do generative adversarial networks craft adversarial examples against deep neural network classifiers with noisy labels?';
const OPTIONS = { topK: 6, maxPassagesPerPaper: 2, gateMinCoverage: 0.3, gateMinSimilarity: undefined };

let dir: string;
let file: string;

function writeStore(target: string): void {
  const writer = IndexDatabaseWriter.create(target);
  PAPERS.forEach((paper, position) => writer.upsertPaper(paper, { addedAt: `2026-01-0${1 + (position % 9)}T00:00:00.000Z`, position, passages: chunkText(paper.abstract) }));
  writer.close();
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'paperbot-store-'));
  file = path.join(dir, 'papers.sqlite');
  writeStore(file);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IndexDatabase on the question path', () => {
  it('answers a many-term question in at most six statements, and fewer once the terms are known', async () => {
    const statements: string[] = [];
    const store = IndexDatabase.open(file, { verbose: (sql) => statements.push(sql) });
    statements.length = 0; // opening checks the schema version
    try {
      const first = await retrieve(QUESTION, { store }, OPTIONS);
      expect(first.terms.length).toBeGreaterThan(10);
      expect(new Set(first.passages.map((p) => p.paper.id)).size).toBeGreaterThan(2);
      expect(first.gate.passed).toBe(true);
      expect(statements.length).toBeLessThanOrEqual(6);

      statements.length = 0;
      const again = await retrieve(QUESTION, { store }, OPTIONS);
      expect(again.passages.map((p) => p.passage.id)).toEqual(first.passages.map((p) => p.passage.id));
      expect(statements.length).toBeLessThanOrEqual(5);
      // Document frequencies are cached per term: the second time nothing counts them again.
      expect(statements.some((sql) => sql.includes('count(*) FROM passages_fts'))).toBe(false);
    } finally {
      store.close();
    }
  });

  it('finds which terms each passage contains, stemmed as the search stems them', () => {
    const store = IndexDatabase.open(file);
    try {
      const advgan = PAPERS.find((p) => p.aliases.includes('AdvGAN'));
      const [passage] = store.passageIdsOf(advgan?.id ?? '');
      const other = store.passageIdsOf(PAPERS[0]?.id ?? '')[0] ?? -1;
      const matched = store.matchedTerms(['adversarial', 'network', 'tapestry'], [passage ?? -1, other, 999_999]);
      expect([...(matched.get(passage ?? -1) ?? [])].sort()).toEqual(['adversarial', 'network']);
      expect(matched.get(999_999)).toEqual(new Set());
      expect(store.matchedTerms([], [other]).get(other)).toEqual(new Set());
    } finally {
      store.close();
    }
  });

  it('counts documents per term, and an unseen term as 0', () => {
    const store = IndexDatabase.open(file);
    try {
      const df = store.documentFrequencies(['adversarial', 'tapestry', 'adversarial']);
      expect(df.get('adversarial')).toBeGreaterThan(0);
      expect(df.get('tapestry')).toBe(0);
      expect(df.get('adversarial')).toBeLessThanOrEqual(store.counts().passages);
    } finally {
      store.close();
    }
  });

  it('looks up more ids than SQLite takes as variables, keeping the order asked and skipping unknown ones', () => {
    const store = IndexDatabase.open(file);
    try {
      const ids = PAPERS.map((p) => p.id);
      const manyIds = [...Array.from({ length: 40_000 }, (_, i) => `missing-${i}`), ...ids];
      const papers = store.getPapers(manyIds);
      expect([...papers.keys()].sort()).toEqual([...ids].sort());
      expect(papers.get(ids[3] ?? '')?.addedAt).toBe('2026-01-04T00:00:00.000Z');

      const passageIds = ids.flatMap((id) => store.passageIdsOf(id)).reverse();
      const passages = store.getPassages([...Array.from({ length: 40_000 }, (_, i) => 1_000_000 + i), ...passageIds]);
      expect(passages.map((p) => p.id)).toEqual(passageIds);
    } finally {
      store.close();
    }
  });
});

describe("a paper's primary arXiv category", () => {
  it('is stored and read back, and a store of schema 1 (before the column) is migrated by the next build, its papers without one', () => {
    const old = path.join(dir, 'schema1.sqlite');
    writeStore(old);
    const db = new Database(old);
    db.exec('ALTER TABLE papers DROP COLUMN primary_category; DELETE FROM schema_migrations WHERE version > 1');
    db.pragma('user_version = 1');
    db.close();
    // An installed bot reads its schema-1 index after the upgrade, until the next build migrates it.
    const before = IndexDatabase.open(old);
    expect(before.allPapers().map((p) => p.primaryCategory)).toEqual(PAPERS.map(() => null));
    before.close();
    const writer = IndexDatabaseWriter.open(old);
    expect(writer.allPapers().map((p) => p.primaryCategory)).toEqual(PAPERS.map(() => null));
    writer.upsertPaper({ ...(PAPERS[0] as Paper), id: 'arxiv:2612.00001', arxivId: '2612.00001', primaryCategory: 'cs.LG' }, { addedAt: '2026-12-01T00:00:00.000Z', position: PAPERS.length, passages: ['A passage.'] });
    writer.close();
    const reader = IndexDatabase.open(old);
    expect(reader.getPaper('arxiv:2612.00001')?.primaryCategory).toBe('cs.LG');
    reader.close();
  });
});

describe('IndexDatabase schema versions', () => {
  it('refuses a store of an older or newer schema with a sentence that says to run npm run index', () => {
    for (const version of [0, 7]) {
      const other = path.join(dir, `v${version}.sqlite`);
      writeStore(other);
      const db = new Database(other);
      db.pragma(`user_version = ${version}`);
      db.close();
      expect(() => IndexDatabase.open(other)).toThrow(new RegExp(`schema version ${version}, this paperbot reads version 2: run \`npm run index\``));
    }
  });

  it('lets a build start from a store made before user_version, keeping when each paper was added', () => {
    const legacy = path.join(dir, 'legacy.sqlite');
    writeStore(legacy);
    const db = new Database(legacy);
    db.exec("DROP TABLE schema_migrations; CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '1')");
    db.pragma('user_version = 0');
    db.close();
    expect(() => IndexDatabase.open(legacy)).toThrow(/schema version 0/);

    const writer = IndexDatabaseWriter.open(legacy);
    expect(writer.allPapers().map((p) => p.addedAt)).toEqual(PAPERS.map((_, i) => `2026-01-0${1 + (i % 9)}T00:00:00.000Z`));
    writer.close();
    const reader = IndexDatabase.open(legacy);
    expect(reader.counts().papers).toBe(PAPERS.length);
    reader.close();
  });
});
