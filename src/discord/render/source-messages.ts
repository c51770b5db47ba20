/**
 * What the bot says about where its papers come from: /add's replies and the fetch lines of /about. Pure.
 */
import { escapeText } from './discord-markdown.ts';
import type { JobRun } from '../../core/jobs/job-runs.ts';
import type { FetchLogData } from '../../sources/fetch-log.ts';

export const ADD_GUILD_ONLY = 'Papers are added to a server’s paperbot: use `/add` in a server.';
export const ADD_MANAGE_SERVER_NEEDED = '🔒 Adding papers needs the **Manage Server** permission in this server.';
export const ADD_UNAVAILABLE = 'Adding papers from arXiv is not available in this paperbot process.';

export function addedNotice(arxivId: string, status: 'added' | 'known'): string {
  return status === 'added' ? `✅ Added arXiv:${arxivId} to the corpus and indexed it.` : `arXiv:${arxivId} is already in the corpus.`;
}

export function addedNotIndexedNotice(arxivId: string, status: 'added' | 'known', reason: string): string {
  const what = status === 'added' ? `✅ Added arXiv:${arxivId} to the corpus` : `arXiv:${arxivId} is already in the corpus`;
  return `${what}; it becomes searchable after the next index update (${reason}).`;
}

/**
 * /about's lines on the arXiv fetches: when, how many, and the last failure when it is more recent than the
 * last success; with `dailyRun` (the last daily fetch claimed in the shared state, by any bot process), when
 * and by whom it started, and whether it finished.
 */
export function renderFetchStatus(status: FetchLogData, categories: readonly string[], dailyRun?: JobRun): string[] {
  const lines: string[] = [];
  const at = (iso: string): string => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : `<t:${Math.floor(ms / 1000)}:f> (<t:${Math.floor(ms / 1000)}:R>)`;
  };
  const daily = categories.length > 0 ? `daily from arXiv ${escapeText(categories.join(', '))}` : 'no daily fetch (ARXIV_CATEGORIES is not set)';
  const last = status.lastFetch;
  lines.push(
    last === null
      ? `Papers fetched: never yet; ${daily}`
      : `Papers fetched ${at(last.at)}: ${last.added} new, ${last.updated} updated (arXiv ${escapeText(last.categories.join(', '))}); ${daily}`,
  );
  const failure = status.lastFailure;
  if (failure !== null && (last === null || failure.at > last.at)) lines.push(`⚠️ Last fetch failed ${at(failure.at)}: ${escapeText(failure.message)}`);
  if (dailyRun !== undefined) {
    const ended =
      dailyRun.finishedAt === null
        ? 'not finished (still running, or that process stopped before the end)'
        : `${dailyRun.status === 'failed' ? 'failed' : 'finished'} ${at(dailyRun.finishedAt)}`;
    lines.push(`Daily fetch of ${dailyRun.period}: started ${at(dailyRun.startedAt)} by ${escapeText(dailyRun.holder)}, ${ended}`);
  }
  return lines;
}
