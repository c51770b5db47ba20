/**
 * Reads the arXiv API's Atom answers (arXiv/arxiv-docs, source/help/api/user-manual.md): one `entry` per
 * paper with `id` (the abs URL with version), `published` (v1), `updated` (this version), `title`,
 * `summary`, an `author/name` each, `arxiv:primary_category`, `category` terms, optional `arxiv:doi` and
 * `arxiv:journal_ref`; `opensearch:totalResults` for paging. An error is a feed with a single entry whose
 * id points at `/api/errors`: it becomes a UserError with arXiv's own message.
 */
import { UserError } from '../../core/errors.ts';
import type { SourceItem } from '../paper-source.ts';
import { absUrl, arxivIdOf, list, node, parseXml, text, yearOfArxivId } from './arxiv-xml.ts';

export interface AtomPage {
  items: SourceItem[];
  skipped: string[];
  /** How many results the whole query has (for paging). */
  totalResults: number;
  /** Entries on this page, usable or not. */
  entries: number;
}

export function parseArxivAtom(xml: string): AtomPage {
  const feed = node(parseXml(xml, "The arXiv API's answer")['feed']);
  if (feed === null) throw new UserError('E_ARXIV_FORMAT', "The arXiv API's answer has no Atom <feed>; nothing was written.");
  const entries = list(feed['entry']).map((e) => node(e) ?? {});
  const first = entries[0];
  if (entries.length === 1 && first !== undefined && (text(first['id']) ?? '').includes('/api/errors')) {
    throw new UserError('E_ARXIV_QUERY', `The arXiv API refused the query: ${text(first['summary']) ?? 'no reason given'}.`);
  }
  const items: SourceItem[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    const parsedId = arxivIdOf(text(entry['id']) ?? '');
    const title = text(entry['title']);
    if (parsedId === null) {
      skipped.push(`an entry without an arXiv id ("${title ?? 'untitled'}")`);
      continue;
    }
    const { id, version } = parsedId;
    const abstract = text(entry['summary']);
    if (abstract === null) {
      skipped.push(`arXiv:${id} has no abstract`);
      continue;
    }
    const primary = text(node(entry['arxiv:primary_category'])?.['@_term']);
    const terms = list(entry['category']).map((c) => text(node(c)?.['@_term'])).filter((c): c is string => c !== null);
    const categories = [...new Set([...(primary === null ? [] : [primary]), ...terms])];
    const published = day(text(entry['published']));
    const updated = day(text(entry['updated']));
    const doi = text(entry['arxiv:doi']);
    items.push({
      // A later version than the first: the paper may be known in an older form, so it updates in place.
      kind: version !== null && version > 1 ? 'replace' : published !== null && updated !== null && published !== updated ? 'replace' : 'new',
      shelf: primary ?? categories[0] ?? 'other',
      record: {
        title,
        authors: list(entry['author']).map((a) => text(node(a)?.['name'])).filter((a): a is string => a !== null),
        year: published === null ? yearOfArxivId(id) : Number(published.slice(0, 4)),
        venue: text(entry['arxiv:journal_ref']),
        url: absUrl(id),
        arxiv_id: id,
        doi: doi === null ? null : doi.toLowerCase(),
        categories,
        primary_category: primary,
        announced: null,
        published,
        abstract,
      },
    });
  }
  const total = Number(text(feed['opensearch:totalResults']) ?? entries.length);
  return { items, skipped, totalResults: Number.isFinite(total) ? total : entries.length, entries: entries.length };
}

function day(value: string | null): string | null {
  return value !== null && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null;
}
