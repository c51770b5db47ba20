/**
 * Reads arXiv's RSS feed (arXiv/arxiv-docs, source/help/rss_specifications.md): RSS 2.0 items whose
 * `description` holds `arXiv:<id>v<n> Announce Type: <type>` and `Abstract: …`, `arxiv:announce_type`
 * (`new`, `replace`, `cross`, `replace-cross`), one comma-separated `dc:creator`, optional `arxiv:DOI` and
 * `arxiv:journal_reference`, a `category` per classification and `pubDate` the day of the announcement. On
 * Saturdays, Sundays and holidays the feed has no items and says so with `skipDays`.
 */
import type { SourceBatch, SourceItem } from '../paper-source.ts';
import { absUrl, arxivIdOf, list, node, parseXml, text, yearOfArxivId } from './arxiv-xml.ts';

const ANNOUNCE_TYPES = new Set(['new', 'replace', 'cross', 'replace-cross']);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Parses one feed; `categories` are the ones asked for (an item is shelved under the first it has). */
export function parseArxivRss(xml: string, categories: readonly string[]): Omit<SourceBatch, 'requests'> {
  const channel = node(node(parseXml(xml, "arXiv's RSS feed")['rss'])?.['channel']);
  if (channel === null) return { items: [], skipped: ["arXiv's RSS answer has no <rss><channel>: not a feed"] };
  const items: SourceItem[] = [];
  const skipped: string[] = [];
  const channelDay = rfc822Day(text(channel['pubDate']));

  for (const raw of list(channel['item'])) {
    const item = node(raw) ?? {};
    const description = text(item['description']) ?? '';
    const head = /arXiv:(\S+)\s+Announce Type:\s*(\S+)/i.exec(description);
    const parsedId = arxivIdOf(head?.[1] ?? text(item['guid']) ?? text(item['link']) ?? '');
    const title = text(item['title']);
    if (parsedId === null) {
      skipped.push(`an item without an arXiv id ("${title ?? 'untitled'}")`);
      continue;
    }
    const { id } = parsedId;
    const abstract = /Abstract:\s*([\s\S]*)$/i.exec(description)?.[1]?.trim() ?? '';
    if (abstract === '') {
      skipped.push(`arXiv:${id} has no abstract in the feed`);
      continue;
    }
    const announceType = (text(item['arxiv:announce_type']) ?? head?.[2] ?? 'new').toLowerCase();
    if (!ANNOUNCE_TYPES.has(announceType)) {
      skipped.push(`arXiv:${id} has an unknown announce type "${announceType}"`);
      continue;
    }
    const paperCategories = list(item['category']).map(text).filter((c): c is string => c !== null);
    const authors = (text(item['dc:creator']) ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
    const doi = text(item['arxiv:DOI']);
    items.push({
      kind: announceType.startsWith('replace') ? 'replace' : 'new',
      shelf: categories.find((c) => paperCategories.includes(c)) ?? paperCategories[0] ?? categories[0] ?? 'other',
      record: {
        title,
        authors,
        year: yearOfArxivId(id),
        venue: text(item['arxiv:journal_reference']),
        url: absUrl(id),
        arxiv_id: id,
        doi: doi === null ? null : doi.toLowerCase(),
        categories: paperCategories,
        announced: rfc822Day(text(item['pubDate'])) ?? channelDay,
        abstract,
      },
    });
  }

  const skipDays = list(node(channel['skipDays'])?.['day']).map(text).filter((d): d is string => d !== null);
  const nothingToday = items.length === 0 && skipped.length === 0 ? `no announcements today${skipDays.length > 0 ? ` (arXiv announces nothing on ${skipDays.join(', ')} and holidays)` : ''}` : undefined;
  return { items, skipped, ...(nothingToday === undefined ? {} : { nothingToday }) };
}

/** `Fri, 23 Aug 2024 00:00:00 -0400` → `2024-08-23`: the day as arXiv wrote it, in its own time zone. */
function rfc822Day(value: string | null): string | null {
  const match = /(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})/.exec(value ?? '');
  if (match === null) return null;
  const month = MONTHS.indexOf(match[2] ?? '') + 1;
  if (month === 0) return null;
  return `${match[3]}-${String(month).padStart(2, '0')}-${(match[1] ?? '').padStart(2, '0')}`;
}
