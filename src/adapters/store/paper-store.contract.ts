/**
 * The contract of the index's text store (core's PaperStore and WritablePaperStore), written once and run
 * against every backend: SQLite/FTS5 (sqlite-paper-store.test.ts) and PostgreSQL full-text search on the wire
 * (tests/postgres/postgres-paper-store.test.ts). A backend passes when a user could not tell them apart: the
 * FaMUS question finds the FaMUS paper, a method name typed in part finds its paper, stemming matches
 * "approximations" to "approximation", accents do not matter, lookups keep the order asked, and the build's
 * writes (passages replaced, papers removed, which passages have vectors, all or nothing in a transaction)
 * never reuse a passage id.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Awaitable } from '../../core/awaitable.ts';
import { chunkText } from '../../core/corpus/chunk-passages.ts';
import type { Paper } from '../../core/corpus/paper.ts';
import { parseCorpusFile } from '../../core/corpus/parse-corpus-file.ts';
import { lexicalMatchTerms } from '../../core/retrieval/lexical-query.ts';
import type { WritablePaperStore } from '../../core/retrieval/paper-store.ts';
import { contentTerms } from '../../core/text.ts';

/** Each method of T returning Awaitable of what it returns (the ports' shape once they are asynchronous). */
type AwaitableMethods<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Awaitable<Awaited<R>> : T[K] };

export type WriterUnderTest = AwaitableMethods<Omit<WritablePaperStore, 'transaction'>> & Pick<WritablePaperStore, 'transaction'>;
export type ReaderUnderTest = AwaitableMethods<Omit<WritablePaperStore, 'transaction' | 'upsertPaper' | 'removePaper' | 'passagesToEmbed' | 'markEmbedded' | 'markAllUnembedded' | 'embeddedPassageIds'>>;

export interface PaperStoreBackend {
  /** A new, empty writable store for the current test. */
  create(): Promise<WriterUnderTest>;
  /** Finishes what `writer` wrote as a build and opens it for reading (closing the writer). */
  publish(writer: WriterUnderTest): Promise<ReaderUnderTest>;
}

const SHIPPED = path.resolve(import.meta.dirname, '../../../corpus/seed-papers.jsonl');
export const SEED_PAPERS: Paper[] = parseCorpusFile('seed-papers.jsonl', readFileSync(SHIPPED, 'utf8')).papers;
const FAMUS = SEED_PAPERS.find((p) => p.aliases.includes('FaMUS')) as Paper;
const ADDED = (position: number) => `2026-01-0${1 + (position % 9)}T00:00:00.000Z`;

async function writeSeed(writer: WriterUnderTest, papers: readonly Paper[] = SEED_PAPERS): Promise<void> {
  for (const [position, paper] of papers.entries()) await writer.upsertPaper(paper, { addedAt: ADDED(position), position, passages: chunkText(paper.abstract) });
}

/** The lexical half of retrieval, as hybrid-search.ts asks it: the question's rarest terms, then the search. */
async function lexicalPapers(store: ReaderUnderTest, question: string): Promise<string[]> {
  const terms = contentTerms(question);
  const df = await store.documentFrequencies(terms);
  const hits = await store.lexicalSearch(lexicalMatchTerms(question, terms, df), 20);
  return hits.map((h) => h.paperId);
}

export function paperStoreContract(backend: PaperStoreBackend): void {
  const seeded = async () => {
    const writer = await backend.create();
    await writeSeed(writer);
    return backend.publish(writer);
  };

  describe('reading the shipped papers', () => {
    it('finds the FaMUS paper first for the FaMUS question, and the AdvGAN paper for a question in its words', async () => {
      const store = await seeded();
      expect((await lexicalPapers(store, 'What does FaMUS approximate to save training time?'))[0]).toBe(FAMUS.id);
      const advgan = SEED_PAPERS.find((p) => p.aliases.includes('AdvGAN'))?.id;
      expect((await lexicalPapers(store, 'How can generative adversarial networks craft adversarial examples?'))[0]).toBe(advgan);
      const hits = await store.lexicalSearch(['famus'], 5);
      expect(hits.map((h) => h.paperId)).toEqual([FAMUS.id]);
      expect(hits[0]?.score).toBeGreaterThan(0);
      expect(await store.lexicalSearch([], 5)).toEqual([]);
    });

    it('matches words through stemming and accents, and counts the passages each term occurs in', async () => {
      const store = await seeded();
      // The FaMUS abstract says "approximation"; a question says "approximations".
      expect((await store.lexicalSearch(['approximations'], 20)).map((h) => h.paperId)).toContain(FAMUS.id);
      const df = await store.documentFrequencies(['adversarial', 'tapestry', 'adversarial', 'networks']);
      expect(df.get('adversarial')).toBeGreaterThan(0);
      expect(df.get('tapestry')).toBe(0);
      expect(df.get('networks')).toBeGreaterThanOrEqual(df.get('adversarial') ?? 0);
      expect(df.get('networks')).toBeLessThanOrEqual((await store.counts()).passages);
      expect(await store.counts()).toEqual({ papers: SEED_PAPERS.length, passages: SEED_PAPERS.flatMap((p) => chunkText(p.abstract)).length });
    });

    it('says which of the terms each passage contains, stemmed as the search stems them', async () => {
      const store = await seeded();
      const advgan = SEED_PAPERS.find((p) => p.aliases.includes('AdvGAN'))?.id ?? '';
      const [passage = -1] = await store.passageIdsOf(advgan);
      const [other = -1] = await store.passageIdsOf(SEED_PAPERS[0]?.id ?? '');
      const matched = await store.matchedTerms(['adversarial', 'network', 'tapestry'], [passage, other, 999_999]);
      expect([...(matched.get(passage) ?? [])].sort()).toEqual(['adversarial', 'network']);
      expect(matched.get(999_999)).toEqual(new Set());
      expect((await store.matchedTerms([], [other])).get(other)).toEqual(new Set());
    });

    it('looks papers up by a method name typed in part, an author, an id; nothing typed lists them in corpus order', async () => {
      const store = await seeded();
      expect((await store.findPapers('FaM', 5)).map((p) => p.id)[0]).toBe(FAMUS.id);
      expect((await store.findPapers('faster meta upd', 5)).map((p) => p.id)).toEqual([FAMUS.id]);
      expect((await store.findPapers(FAMUS.authors[0] ?? '', 5)).map((p) => p.id)).toContain(FAMUS.id);
      expect((await store.findPapers('10.1145/3394486', 5)).map((p) => p.id)).toEqual(['doi:10.1145/3394486.3403344']);
      expect((await store.findPapers('', 3)).map((p) => p.id)).toEqual(SEED_PAPERS.slice(0, 3).map((p) => p.id));
      expect(await store.findPapers('tapestry', 5)).toEqual([]);
    });

    it('keeps every field of a paper, and when it entered the index; lookups keep the order asked and skip unknown ids', async () => {
      const store = await seeded();
      const ids = SEED_PAPERS.map((p) => p.id);
      expect(await store.getPaper(FAMUS.id)).toEqual({ ...FAMUS, addedAt: ADDED(SEED_PAPERS.indexOf(FAMUS)) });
      expect(await store.getPaper('nothing')).toBeUndefined();
      const papers = await store.getPapers([...Array.from({ length: 5_000 }, (_, i) => `missing-${i}`), ...ids, ids[0] as string]);
      expect([...papers.keys()].sort()).toEqual([...ids].sort());
      expect((await store.allPapers()).map((p) => [p.id, p.addedAt])).toEqual(SEED_PAPERS.map((p, i) => [p.id, ADDED(i)]));
      const passageIds = (await Promise.all(ids.map((id) => store.passageIdsOf(id)))).flat().reverse();
      const passages = await store.getPassages([...Array.from({ length: 5_000 }, (_, i) => 1_000_000 + i), ...passageIds]);
      expect(passages.map((p) => p.id)).toEqual(passageIds);
      expect(passages.at(-1)).toMatchObject({ paperId: SEED_PAPERS[0]?.id, ord: 0 });
      const hashes = await store.paperHashes();
      expect(hashes.get(FAMUS.id)).toEqual({ source: FAMUS.source, contentHash: FAMUS.contentHash, textHash: FAMUS.textHash });
    });

    it('finds a word written with accents by the word without them, and the other way round', async () => {
      const writer = await backend.create();
      const naive = { ...FAMUS, id: 'p-naive', abstract: 'A naïve Bayes classifier for café reviews, as a baseline.', aliases: [] };
      await writeSeed(writer, [naive]);
      const store = await backend.publish(writer);
      expect((await store.lexicalSearch(['naive'], 5)).map((h) => h.paperId)).toEqual(['p-naive']);
      expect((await store.lexicalSearch(['cafe'], 5)).map((h) => h.paperId)).toEqual(['p-naive']);
    });
  });

  describe('writing a build', () => {
    it('replaces the passages of a paper whose text changed with new ids, never reusing one, and keeps when it was added', async () => {
      const writer = await backend.create();
      await writeSeed(writer);
      const before = await writer.passageIdsOf(FAMUS.id);
      const highest = Math.max(...(await Promise.all(SEED_PAPERS.map((p) => writer.passageIdsOf(p.id)))).flat());
      const changed = { ...FAMUS, abstract: 'FaMUS, rewritten: a layer-wise approximation of the meta gradient.', textHash: 't-new' };
      expect(await writer.upsertPaper(changed, { addedAt: '2026-06-01T00:00:00.000Z', position: 6, passages: chunkText(changed.abstract) })).toEqual(before);
      const after = await writer.passageIdsOf(FAMUS.id);
      expect(after.every((id) => id > highest)).toBe(true);
      expect(await writer.getPaper(FAMUS.id)).toMatchObject({ abstract: changed.abstract, addedAt: ADDED(6) });
      expect((await writer.getPassages(after))[0]?.text).toBe(changed.abstract);
      expect((await writer.lexicalSearch(['rewritten'], 5)).map((h) => h.paperId)).toEqual([FAMUS.id]);

      // Removed, then back: new ids again.
      expect(await writer.removePaper(FAMUS.id)).toEqual(after);
      expect(await writer.removePaper(FAMUS.id)).toEqual([]);
      expect(await writer.getPaper(FAMUS.id)).toBeUndefined();
      await writer.upsertPaper(FAMUS, { addedAt: ADDED(6), position: 6, passages: chunkText(FAMUS.abstract) });
      expect((await writer.passageIdsOf(FAMUS.id)).every((id) => id > Math.max(...after))).toBe(true);
      const store = await backend.publish(writer);
      expect((await lexicalPapers(store, 'What does FaMUS approximate to save training time?'))[0]).toBe(FAMUS.id);
      expect(await store.lexicalSearch(['rewritten'], 5)).toEqual([]);
    });

    it('updates metadata alone without touching the passages, and follows a new corpus order', async () => {
      const writer = await backend.create();
      await writeSeed(writer);
      const passages = await writer.passageIdsOf(FAMUS.id);
      const renamed = { ...FAMUS, title: 'Faster Meta Update Strategy, revised', contentHash: 'c-new', primaryCategory: 'cs.LG' };
      expect(await writer.upsertPaper(renamed, { addedAt: '2026-06-01T00:00:00.000Z', position: -1 })).toEqual([]);
      expect(await writer.passageIdsOf(FAMUS.id)).toEqual(passages);
      const store = await backend.publish(writer);
      expect(await store.getPaper(FAMUS.id)).toEqual({ ...renamed, addedAt: ADDED(6) });
      expect((await store.allPapers())[0]?.id).toBe(FAMUS.id);
      expect((await store.findPapers('revised', 5)).map((p) => p.id)).toEqual([FAMUS.id]);
    });

    it('writes a transaction all or nothing: a failure half way leaves the papers as they were', async () => {
      const writer = await backend.create();
      await writeSeed(writer, SEED_PAPERS.slice(0, 2));
      const [first, second] = SEED_PAPERS as [Paper, Paper];
      const extra = { ...FAMUS, id: 'p-extra' };
      const failed = writer.transaction(async () => {
        await writer.upsertPaper(extra, { addedAt: ADDED(2), position: 2, passages: ['An extra passage.'] });
        await writer.removePaper(first.id);
        throw new Error('the build failed half way');
      });
      await expect(failed).rejects.toThrow('the build failed half way');
      expect(await writer.getPaper('p-extra')).toBeUndefined();
      expect((await writer.allPapers()).map((p) => p.id)).toEqual([first.id, second.id]);
      await writer.transaction(async () => {
        await writer.upsertPaper(extra, { addedAt: ADDED(2), position: 2, passages: ['An extra passage.'] });
      });
      const store = await backend.publish(writer);
      expect((await store.allPapers()).map((p) => p.id)).toEqual([first.id, second.id, 'p-extra']);
      expect((await store.lexicalSearch(['extra'], 5)).map((h) => h.paperId)).toEqual(['p-extra']);
    });

    it('tracks which passages have vectors, and forgets them all when the model changes', async () => {
      const writer = await backend.create();
      await writeSeed(writer, SEED_PAPERS.slice(0, 3));
      const todo = await writer.passagesToEmbed();
      expect(todo.map((p) => p.paperId)).toEqual(SEED_PAPERS.slice(0, 3).flatMap((p) => chunkText(p.abstract).map(() => p.id)));
      expect(todo.map((p) => p.id)).toEqual([...todo.map((p) => p.id)].sort((a, b) => a - b));
      await writer.markEmbedded(todo.slice(0, 2).map((p) => p.id));
      expect(await writer.embeddedPassageIds()).toEqual(todo.slice(0, 2).map((p) => p.id));
      expect((await writer.passagesToEmbed()).map((p) => p.id)).toEqual(todo.slice(2).map((p) => p.id));
      await writer.markAllUnembedded();
      expect(await writer.embeddedPassageIds()).toEqual([]);
      expect(await writer.passagesToEmbed()).toHaveLength(todo.length);
      await writer.close();
    });
  });
}
