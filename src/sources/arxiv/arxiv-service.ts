/**
 * arXiv for paperbot's front ends (`npm run fetch`, `/add`, the bot's daily fetch): fetch, merge into the
 * corpus, remember the fetch, update the index. Built once in src/app.ts. Index updates go one at a time
 * (the build lock allows one build; a second one in this process waits for the first instead of failing).
 */
import { UserError, describeError, isUserError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { BuildReport } from '../../indexing/build-index.ts';
import { arxivDay, feedKey, FetchLog, type FetchLogData } from '../fetch-log.ts';
import { corpusPapers, mergeIntoCorpus, withoutVersion, type MergeReport } from '../merge-into-corpus.ts';
import type { SourceBatch, SourceItem } from '../paper-source.ts';
import type { ArxivClient } from './arxiv-client.ts';
import { arxivIdOf } from './arxiv-xml.ts';
import { fetchArxivFeed, fetchArxivPapers, fetchArxivSince } from './fetch-arxiv.ts';

/** Where /add puts its papers: a file of their own, kept in git (a group's choice, not a cache). */
export const ADDED_FILE = 'added/arxiv.jsonl';

export interface ArxivServiceOptions {
  corpusDir: string;
  dataDir: string;
  client: ArxivClient;
  rssUrl: string;
  apiUrl: string;
  now: () => Date;
  logger: Logger;
  /** Updates the index from the corpus folder (app.buildIndex). */
  buildIndex: () => Promise<BuildReport>;
}

export interface FetchReport {
  added: number;
  updated: number;
  unchanged: number;
  skipped: number;
  requests: number;
  problems: string[];
  /** Why nothing was asked or written: "no announcements today", "already fetched today". */
  note: string | null;
  addedIds: string[];
  /** The index update after the merge; null when skipped or nothing changed. */
  index: BuildReport | null;
}

export interface AddResult {
  status: 'added' | 'known';
  arxivId: string;
  /** The paper's id in the corpus and the index (for its card). */
  paperId: string;
  /** true: the index has it; else why not yet (another build is running, …). */
  indexed: true | string;
}

export class ArxivService {
  readonly log: FetchLog;
  private indexing: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ArxivServiceOptions) {
    this.log = new FetchLog(options.dataDir);
  }

  /** The day's announcements in `categories`; a second fetch of the same feed on the same arXiv day asks nothing unless `force`. */
  async fetchToday(categories: readonly string[], { force = false, index = true }: { force?: boolean; index?: boolean } = {}): Promise<FetchReport> {
    const day = arxivDay(this.options.now());
    const key = feedKey(categories);
    if (!force && this.log.read().feeds[key] === day) {
      return { ...empty(), note: `already fetched today (${day}); --force fetches it again` };
    }
    const report = await this.recorded(categories, () => fetchArxivFeed(categories, this.options), index);
    await this.log.update((data) => {
      data.feeds[key] = day;
    });
    return report;
  }

  /** Everything submitted to `categories` since `since` (YYYY-MM-DD), through the API. */
  backfill(categories: readonly string[], since: string, { index = true }: { index?: boolean } = {}): Promise<FetchReport> {
    return this.recorded(categories, () => fetchArxivSince(categories, since, this.options), index);
  }

  /** The papers with these arXiv ids as the API has them now, nothing written (BibTeX's --fetch-missing). */
  papersByIds(ids: readonly string[]): Promise<SourceBatch> {
    return fetchArxivPapers(ids, this.options);
  }

  /** One paper by arXiv id, abs/pdf URL or arXiv DOI (10.48550/arXiv.…), into its own file, then indexed. */
  async add(reference: string): Promise<AddResult> {
    const arxivId = arxivIdOfReference(reference);
    const known = (await corpusPapers(this.options.corpusDir)).find((p) => p.arxivId !== null && withoutVersion(p.arxivId) === arxivId);
    if (known !== undefined) return { status: 'known', arxivId, paperId: known.id, indexed: true };
    const batch = await fetchArxivPapers([arxivId], this.options);
    if (batch.items.length === 0) throw new UserError('E_ARXIV_UNKNOWN', `arXiv has no paper ${arxivId}${batch.skipped.length > 0 ? ` (${batch.skipped.join('; ')})` : ''}; nothing was added.`);
    const merged = await this.merge(batch.items, () => ADDED_FILE);
    if (merged.problems.length > 0 && merged.added === 0) throw new UserError('E_ARXIV_UNUSABLE', `arXiv:${arxivId} cannot be added: ${merged.problems.join('; ')}.`);
    let indexed: true | string = true;
    try {
      await this.updateIndex();
    } catch (error) {
      // The paper is in the corpus file either way; the next build (or the daily one) indexes it.
      if (!isUserError(error)) throw error;
      this.options.logger.warn({ arxivId, err: error.message }, 'added a paper but could not update the index');
      indexed = error.code === 'E_BUILD_RUNNING' ? 'another index build is running' : error.message;
    }
    // A paper the corpus had under its DOI or abstract (not its arXiv id) is that paper, not a new one.
    const source = merged.matched[0];
    const paper = (await corpusPapers(this.options.corpusDir)).find((p) => (source === undefined ? p.arxivId === arxivId : p.source === source));
    return { status: merged.added > 0 ? 'added' : 'known', arxivId, paperId: paper?.id ?? `arxiv:${arxivId}`, indexed };
  }

  /** When papers were last fetched, how many, and the last failure (for /about). */
  status(): FetchLogData {
    return this.log.read();
  }

  /** Keeps a failure for /about (the fetch's own failures are kept already; this is for the rest, e.g. the index update). */
  async recordFailure(error: unknown): Promise<void> {
    await this.log.update((data) => {
      data.lastFailure = { at: this.options.now().toISOString(), message: describeError(error) };
    });
  }

  /** Updates the index; one build at a time in this process. */
  updateIndex(): Promise<BuildReport> {
    const run = this.indexing.then(() => this.options.buildIndex());
    this.indexing = run.catch(() => undefined);
    return run;
  }

  private async recorded(categories: readonly string[], fetch: () => Promise<SourceBatch>, index: boolean): Promise<FetchReport> {
    let batch: SourceBatch;
    try {
      batch = await fetch();
    } catch (error) {
      await this.recordFailure(error);
      throw error;
    }
    if (batch.nothingToday !== undefined) return { ...empty(), requests: batch.requests, note: batch.nothingToday };
    const merged = await this.merge(batch.items, (item) => `arxiv/${item.shelf}/${month(item, this.options.now())}.jsonl`);
    await this.log.update((data) => {
      data.lastFetch = { at: this.options.now().toISOString(), categories: [...categories], added: merged.added, updated: merged.updated };
    });
    const changed = merged.added + merged.updated > 0;
    return {
      added: merged.added,
      updated: merged.updated,
      unchanged: merged.unchanged,
      skipped: batch.skipped.length + merged.skipped,
      requests: batch.requests,
      problems: [...batch.skipped, ...merged.problems],
      note: null,
      addedIds: merged.addedIds,
      index: index && changed ? await this.updateIndex() : null,
    };
  }

  private merge(items: readonly SourceItem[], fileFor: (item: SourceItem) => string): Promise<MergeReport> {
    return mergeIntoCorpus({ corpusDir: this.options.corpusDir, items, fileFor, owns: (file) => file.startsWith('arxiv/') || file === ADDED_FILE });
  }
}

function empty(): FetchReport {
  return { added: 0, updated: 0, unchanged: 0, skipped: 0, requests: 0, problems: [], note: null, addedIds: [], index: null };
}

/** The file a new paper goes in: its announcement month (else v1's, else today's). */
function month(item: SourceItem, now: Date): string {
  return (item.record.announced ?? item.record.published ?? arxivDay(now)).slice(0, 7);
}

/** An arXiv id, an arXiv abs/pdf URL, or arXiv's own DOI (10.48550/arXiv.<id>) → the id without version. */
export function arxivIdOfReference(reference: string): string {
  const trimmed = reference.trim();
  const doi = /^(?:https?:\/\/(?:dx\.)?doi\.org\/|doi:)?10\.48550\/arxiv\.(.+)$/i.exec(trimmed);
  const parsed = arxivIdOf(doi?.[1] ?? trimmed);
  if (parsed === null) {
    throw new UserError(
      'E_ARXIV_REFERENCE',
      /^(doi:|https?:\/\/(dx\.)?doi\.org\/)?10\.\d{4,}\//i.test(trimmed)
        ? `${trimmed} is not an arXiv DOI (10.48550/arXiv.…): give the paper's arXiv id or URL instead.`
        : `"${trimmed}" is not an arXiv id, arXiv URL or arXiv DOI (for example 2101.00001 or https://arxiv.org/abs/2101.00001).`,
    );
  }
  return parsed.id;
}
