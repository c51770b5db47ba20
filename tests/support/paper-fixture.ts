/**
 * The one way tests make a Paper: every field a plausible default derived from the id (a label, no invented
 * metadata, a `seed-papers.jsonl:<digits of the id>` source), and the fields the test is about as overrides.
 */
import type { Paper } from '../../src/core/corpus/paper.ts';

export function paper(overrides: Partial<Paper> = {}): Paper {
  const id = overrides.id ?? 'p1';
  return {
    id,
    label: `Label ${id}`,
    title: null,
    authors: [],
    year: null,
    venue: null,
    url: null,
    doi: null,
    arxivId: null,
    abstract: `Abstract of ${id}.`,
    aliases: [],
    source: `seed-papers.jsonl:${id.replace(/\D/g, '') || '1'}`,
    contentHash: `c-${id}`,
    textHash: `t-${id}`,
    ...overrides,
  };
}
