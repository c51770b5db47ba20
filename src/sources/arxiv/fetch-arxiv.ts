/**
 * arXiv as a paper source: the day's announcements from the RSS feed (one request for all categories,
 * joined with `+`), papers by id from the API (`id_list`, for /add and BibTeX's --fetch-missing), and a
 * backfill from the API (`search_query=cat:…` with a `submittedDate` range, sorted by submission date,
 * paged). All go through the polite ArxivClient; each returns a SourceBatch with the requests it took.
 */
import { UserError } from '../../core/errors.ts';
import type { SourceBatch, SourceItem } from '../paper-source.ts';
import type { ArxivClient } from './arxiv-client.ts';
import { arxivIdOf } from './arxiv-xml.ts';
import { parseArxivAtom } from './parse-atom.ts';
import { parseArxivRss } from './parse-rss.ts';

/** arXiv category names: `cs.LG`, `stat.ML`, `math.OC`, `hep-ex`, `astro-ph.GA`. */
export const ARXIV_CATEGORY = /^[a-z-]+(\.[A-Za-z-]+)?$/;

/** The API's ids per request (its URLs stay short; arXiv pages results anyway). */
const IDS_PER_REQUEST = 100;
/** Results per API page when backfilling (the manual suggests slices of a few hundred to 2,000). */
const PAGE_SIZE = 200;
/** A backfill stops here (the API refuses more than 30,000 results per query anyway). */
const MAX_BACKFILL = 10_000;

export interface RssOptions {
  client: ArxivClient;
  /** ARXIV_RSS_URL, e.g. `https://rss.arxiv.org/rss`. */
  rssUrl: string;
}

export interface ApiOptions {
  client: ArxivClient;
  /** ARXIV_API_URL, e.g. `https://export.arxiv.org/api/query`. */
  apiUrl: string;
}

export function checkCategories(categories: readonly string[]): void {
  const bad = categories.find((c) => !ARXIV_CATEGORY.test(c));
  if (bad !== undefined) throw new UserError('E_ARXIV_CATEGORY', `"${bad}" is not an arXiv category (expected names like cs.LG or stat.ML).`);
  if (categories.length === 0) throw new UserError('E_ARXIV_CATEGORY', 'Name at least one arXiv category, e.g. cs.LG.');
}

/** Today's announcements in `categories` (one request). */
export async function fetchArxivFeed(categories: readonly string[], { client, rssUrl }: RssOptions): Promise<SourceBatch> {
  checkCategories(categories);
  const before = client.requests.length;
  const xml = await client.get(`${rssUrl.replace(/\/$/, '')}/${categories.join('+')}`);
  return { ...parseArxivRss(xml, categories), requests: client.requests.length - before };
}

/**
 * The papers with these arXiv ids (any form: `2101.00001`, `arXiv:2101.00001v2`, an abs or pdf URL), as the
 * API has them now. Ids that are not arXiv ids, or that arXiv does not know, are listed in `skipped`.
 */
export async function fetchArxivPapers(ids: readonly string[], { client, apiUrl }: ApiOptions): Promise<SourceBatch> {
  const before = client.requests.length;
  const skipped: string[] = [];
  const wanted: string[] = [];
  for (const raw of ids) {
    const parsed = arxivIdOf(raw);
    if (parsed === null) skipped.push(`"${raw}" is not an arXiv id`);
    else if (!wanted.includes(parsed.id)) wanted.push(parsed.id);
  }
  const items: SourceItem[] = [];
  for (let i = 0; i < wanted.length; i += IDS_PER_REQUEST) {
    const slice = wanted.slice(i, i + IDS_PER_REQUEST);
    const query = new URLSearchParams({ id_list: slice.join(','), max_results: String(slice.length) });
    const page = parseArxivAtom(await client.get(`${apiUrl}?${query}`));
    items.push(...page.items);
    skipped.push(...page.skipped);
  }
  const found = new Set(items.map((item) => item.record.arxiv_id));
  for (const id of wanted) if (!found.has(id)) skipped.push(`arXiv does not know arXiv:${id}`);
  return { items, skipped, requests: client.requests.length - before };
}

/** Every paper submitted to `categories` since `since` (YYYY-MM-DD), newest first, paged. */
export async function fetchArxivSince(categories: readonly string[], since: string, { client, apiUrl }: ApiOptions): Promise<SourceBatch> {
  checkCategories(categories);
  const before = client.requests.length;
  const cats = categories.map((c) => `cat:${c}`).join(' OR ');
  const search = `(${cats}) AND submittedDate:[${since.replace(/-/g, '')}0000 TO 999912312359]`;
  const items: SourceItem[] = [];
  const skipped: string[] = [];
  for (let start = 0; start < MAX_BACKFILL; start += PAGE_SIZE) {
    const query = new URLSearchParams({ search_query: search, sortBy: 'submittedDate', sortOrder: 'descending', start: String(start), max_results: String(PAGE_SIZE) });
    const page = parseArxivAtom(await client.get(`${apiUrl}?${query}`));
    items.push(...page.items);
    skipped.push(...page.skipped);
    if (page.entries < PAGE_SIZE || start + page.entries >= page.totalResults) break;
    if (start + PAGE_SIZE >= MAX_BACKFILL) skipped.push(`the backfill stopped after ${MAX_BACKFILL} papers; use a later --since for the rest`);
  }
  // Shelved like the feed's items: under the first category asked for, whatever the primary one.
  const shelved = items.map((item) => ({ ...item, shelf: categories.find((c) => item.record.categories.includes(c)) ?? item.shelf }));
  return { items: shelved, skipped, requests: client.requests.length - before };
}
