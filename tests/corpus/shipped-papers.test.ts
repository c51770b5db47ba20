/**
 * The eleven papers the project ships: their ids must never change (an installed bot's digest history and
 * feedback point at them), and their metadata is the verified record, never guessed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCorpusFile } from '../../src/core/corpus/parse-corpus-file.ts';
import { SHIPPED_CORPUS } from '../../src/dev/shipped-corpus.ts';

/** The ids the shipped papers had before their metadata was completed (hashes of their abstracts, one DOI). */
const IDS_BY_LINE = [
  'h:76eb7a37e51c2e3a',
  'h:e479333a4f709c16',
  'h:19e1f87d44bef7e0',
  'h:2c1eb30dd6caca47',
  'h:88a0a06507bc271e',
  'h:05679148b73008c6',
  'h:73d455008da1fb60',
  'h:418201b27bf05254',
  'h:4f902885ca82954c',
  'doi:10.1145/3394486.3403344',
  'h:df76e571142923d8',
];

const { papers, problems } = parseCorpusFile('seed-papers.jsonl', readFileSync(SHIPPED_CORPUS, 'utf8'));

describe('the shipped corpus', () => {
  it('keeps every paper at the id it had, line by line', () => {
    expect(problems).toEqual([]);
    expect(papers.map((p) => [p.source, p.id])).toEqual(IDS_BY_LINE.map((id, i) => [`seed-papers.jsonl:${i + 1}`, id]));
  });

  it('gives every paper a title, authors, a year and a link', () => {
    for (const p of papers) {
      expect(p.title, p.source).toBeTruthy();
      expect(p.authors.length, p.source).toBeGreaterThan(0);
      expect(p.year, p.source).toBeGreaterThan(2000);
      expect(p.url, p.source).toMatch(/^https?:\/\//);
    }
  });

  it('carries the arXiv ids and DOIs of the verified record', () => {
    const byLine = (line: number) => papers.find((p) => p.source === `seed-papers.jsonl:${line}`);
    expect(byLine(2)).toMatchObject({ title: 'Towards Meta-Pruning via Optimal Transport', arxivId: '2402.07839', venue: 'ICLR' });
    expect(byLine(6)).toMatchObject({ doi: '10.1145/3637528.3671462', arxivId: '2402.05355' });
    expect(byLine(11)).toMatchObject({ title: 'Generating Adversarial Examples with Adversarial Networks', year: 2018 });
  });
});
