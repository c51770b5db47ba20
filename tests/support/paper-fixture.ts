/**
 * The one way tests make a Paper: every field a plausible default derived from the id (a label, no invented
 * metadata, a source line), and the fields the test is about as overrides.
 */
import type { Paper } from '../../src/core/corpus/paper.ts';

/** A paper `id` labelled `Label <id>`, from line <the digits of id> of seed-papers.jsonl (line 1 without digits). */
export function paper(id: string, overrides: Partial<Paper> = {}): Paper {
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
    primaryCategory: null,
    abstract: `Abstract of ${id}.`,
    aliases: [],
    source: `seed-papers.jsonl:${id.replace(/\D/g, '') || '1'}`,
    contentHash: `c-${id}`,
    textHash: `t-${id}`,
    ...overrides,
  };
}
