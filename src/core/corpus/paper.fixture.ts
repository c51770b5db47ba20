/**
 * Test data for core tests: a Paper with every field, overridable one by one. Not used by the program.
 */
import type { Paper } from './paper.ts';

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
    abstract: `Abstract of ${id}.`,
    aliases: [],
    source: `seed-papers.jsonl:${id.replace(/\D/g, '') || '1'}`,
    contentHash: `c-${id}`,
    textHash: `t-${id}`,
    ...overrides,
  };
}
