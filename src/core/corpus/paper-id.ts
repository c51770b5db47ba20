/**
 * Stable paper ids, so that re-indexing recognizes a paper it has seen: the id the file gives, else the
 * arXiv id, else the DOI, else a hash of the normalized abstract (whitespace and case do not change it).
 */
import { normalizeText, sha256 } from '../text.ts';

export interface IdFields {
  id?: string | null | undefined;
  arxivId?: string | null | undefined;
  doi?: string | null | undefined;
  abstract: string;
}

export function paperId({ id, arxivId, doi, abstract }: IdFields): string {
  if (id != null && id.trim() !== '') return id.trim();
  if (arxivId != null && arxivId.trim() !== '') return `arxiv:${normalizeArxivId(arxivId)}`;
  if (doi != null && doi.trim() !== '') return `doi:${normalizeDoi(doi)}`;
  return `h:${sha256(normalizeText(abstract)).slice(0, 16)}`;
}

/** `arXiv:2101.00001v2` and `https://arxiv.org/abs/2101.00001` both become `2101.00001v2` / `2101.00001`. */
export function normalizeArxivId(raw: string): string {
  return raw
    .trim()
    .replace(/^https?:\/\/(www\.)?arxiv\.org\/(abs|pdf)\//i, '')
    .replace(/^arxiv:/i, '')
    .replace(/\.pdf$/i, '');
}

/** DOIs are case-insensitive; links and `doi:` prefixes are stripped. */
export function normalizeDoi(raw: string): string {
  return raw
    .trim()
    .replace(/^https?:\/\/(dx\.)?doi\.org\//i, '')
    .replace(/^doi:/i, '')
    .toLowerCase();
}
