/**
 * Development tool, not product code (used by tests): a fake arXiv on 127.0.0.1 serving the RSS feed
 * (`/rss/<cat>+<cat>`) and the API (`/api/query`) in the formats arXiv documents (arXiv/arxiv-docs:
 * rss_specifications.md, api/user-manual.md), built from papers the test gives. Scripted answers (429 with
 * Retry-After, 503, a hang, malformed XML) go first, one per request. Every request is recorded with its time.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type AnnounceType = 'new' | 'replace' | 'cross' | 'replace-cross';

export interface FakeArxivPaper {
  /** Without version, e.g. `2612.00001`. */
  id: string;
  version?: number;
  title: string;
  /** null: the item has no abstract. */
  abstract: string | null;
  authors: string[];
  /** The primary first. */
  categories: string[];
  announceType?: AnnounceType;
  doi?: string;
  journalRef?: string;
  /** v1's day (YYYY-MM-DD); the API's `published`. */
  published?: string;
  /** This version's day; the API's `updated` (defaults to published). */
  updated?: string;
}

export type FakeArxivScript = { status: number; headers?: Record<string, string>; body?: string } | { hang: true } | { malformed: true };

export interface RecordedArxivRequest {
  path: string;
  query: URLSearchParams;
  userAgent: string | undefined;
  at: number;
}

export interface FakeArxiv {
  /** For ARXIV_RSS_URL (`…/rss`). */
  readonly rssUrl: string;
  /** For ARXIV_API_URL (`…/api/query`). */
  readonly apiUrl: string;
  readonly requests: RecordedArxivRequest[];
  /** Today's feed: its announcement day and items (none: the weekend feed with skipDays). */
  setFeed(day: string, items: FakeArxivPaper[]): void;
  /** What the API knows (id_list and search_query answers). */
  setApiPapers(papers: FakeArxivPaper[]): void;
  /** Answers for the next requests, in order, before the built ones. */
  script(...answers: FakeArxivScript[]): void;
  close(): Promise<void>;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function rfc822(day: string): string {
  const date = new Date(`${day}T05:00:00Z`);
  return `${DAYS[date.getUTCDay()]}, ${String(date.getUTCDate()).padStart(2, '0')} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} 00:00:00 -0500`;
}

/** An RSS feed as rss.arxiv.org writes it. */
export function rssXml(categories: string, day: string, items: FakeArxivPaper[]): string {
  const body = items
    .map((p) => {
      const v = `${p.id}v${p.version ?? 1}`;
      const type = p.announceType ?? 'new';
      const abstract = p.abstract === null ? '' : `\nAbstract: ${p.abstract}`;
      return `<item>
 <title>${escapeXml(p.title)}</title>
 <link>https://arxiv.org/abs/${p.id}</link>
 <description>arXiv:${v} Announce Type: ${type} ${escapeXml(abstract)}</description>
 <guid isPermaLink="false">oai:arXiv.org:${v}</guid>
${p.categories.map((c) => ` <category>${c}</category>`).join('\n')}
 <pubDate>${rfc822(day)}</pubDate>
 <arxiv:announce_type>${type}</arxiv:announce_type>
 <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
${p.doi === undefined ? '' : ` <arxiv:DOI>${escapeXml(p.doi)}</arxiv:DOI>\n`}${p.journalRef === undefined ? '' : ` <arxiv:journal_reference>${escapeXml(p.journalRef)}</arxiv:journal_reference>\n`} <dc:creator>${escapeXml(p.authors.join(', '))}</dc:creator>
</item>`;
    })
    .join('\n');
  return `<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
<channel>
 <title>${categories} updates on arXiv.org</title>
 <link>http://rss.arxiv.org/rss/${categories}</link>
 <description>${categories} updates on the arXiv.org e-print archive.</description>
 <atom:link href="http://rss.arxiv.org/rss/${categories}" rel="self" type="application/rss+xml"/>
 <docs>http://www.rssboard.org/rss-specification</docs>
 <language>en-us</language>
 <lastBuildDate>${rfc822(day)}</lastBuildDate>
 <managingEditor>rss-help@arxiv.org</managingEditor>
 <pubDate>${rfc822(day)}</pubDate>
 <skipDays>
  <day>Saturday</day>
  <day>Sunday</day>
 </skipDays>
${body}
</channel>
</rss>
`;
}

/** An Atom answer as export.arxiv.org/api/query writes it. */
export function atomXml(entries: FakeArxivPaper[], { total = entries.length, start = 0 } = {}): string {
  const body = entries
    .map((p) => {
      const v = `${p.id}v${p.version ?? 1}`;
      const published = `${p.published ?? '2026-12-01'}T17:00:00Z`;
      const updated = `${p.updated ?? p.published ?? '2026-12-01'}T17:00:00Z`;
      return `  <entry>
    <id>http://arxiv.org/abs/${v}</id>
    <title>${escapeXml(p.title)}</title>
    <updated>${updated}</updated>
    <link href="https://arxiv.org/abs/${v}" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/${v}" rel="related" type="application/pdf" title="pdf"/>
${p.abstract === null ? '' : `    <summary>${escapeXml(p.abstract)}</summary>\n`}${p.categories.map((c) => `    <category term="${c}" scheme="http://arxiv.org/schemas/atom"/>`).join('\n')}
    <published>${published}</published>
${p.doi === undefined ? '' : `    <arxiv:doi>${escapeXml(p.doi)}</arxiv:doi>\n`}${p.journalRef === undefined ? '' : `    <arxiv:journal_ref>${escapeXml(p.journalRef)}</arxiv:journal_ref>\n`}    <arxiv:primary_category term="${p.categories[0] ?? 'cs.LG'}"/>
${p.authors.map((a) => `    <author>\n      <name>${escapeXml(a)}</name>\n    </author>`).join('\n')}
  </entry>`;
    })
    .join('\n');
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>https://arxiv.org/api/fake</id>
  <title>arXiv Query</title>
  <updated>2026-12-01T00:00:00Z</updated>
  <link href="https://arxiv.org/api/query" type="application/atom+xml"/>
  <opensearch:itemsPerPage>${entries.length}</opensearch:itemsPerPage>
  <opensearch:totalResults>${total}</opensearch:totalResults>
  <opensearch:startIndex>${start}</opensearch:startIndex>
${body}
</feed>
`;
}

/** The API's answer to a malformed id (user-manual.md, "Errors"). */
export function atomError(message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <title>ArXiv Query</title>
  <updated>2026-12-01T00:00:00-05:00</updated>
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/api/errors#${encodeURIComponent(message)}</id>
    <title>Error</title>
    <summary>${escapeXml(message)}</summary>
    <updated>2026-12-01T00:00:00-05:00</updated>
    <author><name>arXiv api core</name></author>
  </entry>
</feed>
`;
}

export async function startFakeArxiv({ port = 0 }: { port?: number } = {}): Promise<FakeArxiv> {
  let feed: { day: string; items: FakeArxivPaper[] } = { day: '2026-12-01', items: [] };
  let apiPapers: FakeArxivPaper[] = [];
  const scripted: FakeArxivScript[] = [];
  const requests: RecordedArxivRequest[] = [];
  const hanging = new Set<http.ServerResponse>();

  const answerApi = (query: URLSearchParams): string => {
    const ids = (query.get('id_list') ?? '').split(',').filter((id) => id !== '');
    if (ids.length > 0) {
      const bad = ids.find((id) => !/^(\d{4}\.\d{4,5}|[a-z-]+\/\d{7})(v\d+)?$/.test(id));
      if (bad !== undefined) return atomError(`incorrect id format for ${bad}`);
      return atomXml(ids.flatMap((id) => apiPapers.filter((p) => p.id === id.replace(/v\d+$/, ''))));
    }
    const search = query.get('search_query') ?? '';
    const cats = [...search.matchAll(/cat:([\w.-]+)/g)].map((m) => m[1]);
    const from = /submittedDate:\[(\d{8})/.exec(search)?.[1];
    const matching = apiPapers
      .filter((p) => p.categories.some((c) => cats.includes(c)))
      .filter((p) => from === undefined || (p.published ?? '2026-12-01').replace(/-/g, '') >= from)
      .sort((a, b) => (b.published ?? '').localeCompare(a.published ?? ''));
    const start = Number(query.get('start') ?? 0);
    const max = Number(query.get('max_results') ?? 10);
    return atomXml(matching.slice(start, start + max), { total: matching.length, start });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname, query: url.searchParams, userAgent: req.headers['user-agent'], at: Date.now() });
    const next = scripted.shift();
    if (next !== undefined) {
      if ('hang' in next) {
        hanging.add(res);
        return;
      }
      if ('malformed' in next) {
        res.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?>\n<rss version="2.0">\n<channel>\n<item><title>cut off');
        return;
      }
      res.writeHead(next.status, { 'content-type': 'text/plain', ...next.headers }).end(next.body ?? `status ${next.status}`);
      return;
    }
    if (url.pathname.startsWith('/rss/')) {
      const asked = decodeURIComponent(url.pathname.slice('/rss/'.length));
      const cats = asked.split('+');
      const items = feed.items.filter((p) => p.categories.some((c) => cats.includes(c)));
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rssXml(asked, feed.day, items));
      return;
    }
    if (url.pathname === '/api/query') {
      res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' }).end(answerApi(url.searchParams));
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    rssUrl: `${base}/rss`,
    apiUrl: `${base}/api/query`,
    requests,
    setFeed(day, items) {
      feed = { day, items };
    },
    setApiPapers(papers) {
      apiPapers = papers;
    },
    script(...answers) {
      scripted.push(...answers);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
