/**
 * The texts of /help and /about, and the short notices the bot sends (rate limit, shutting down, errors).
 */
import { escapeText } from './discord-markdown.ts';
import type { About } from '../../assistant/assistant.ts';

export function renderHelp({ messageContent }: { messageContent: boolean }): string {
  return [
    '**paperbot** answers questions about the indexed research papers and cites the papers it used.',
    '',
    '`/ask question [private]` ask a question; `private: True` shows the answer to you only',
    '`/paper query` look a paper up by title, method name (e.g. FaMUS), author or id',
    '`/similar paper` the five papers most similar to one',
    '`/cite paper [format]` a paper’s BibTeX entry (code block and .bib file), or `format: text` for one reference line',
    '`/about` what is indexed and how answers are made',
    '`/digest subscribe|unsubscribe|preview|status` a daily post of papers in a channel (needs Manage Server)',
    '`/add paper` add a paper from arXiv by id, URL or arXiv DOI (needs Manage Server)',
    '`/settings` this server’s defaults: public or private answers, where mentions are answered, the digest time zone (needs Manage Server)',
    '',
    'You can also mention me with a question: I answer in a thread, where follow-up questions keep the context' +
      (messageContent ? ' (no need to mention me again there).' : ' (mention me in each follow-up).'),
    'In a direct message, just ask.',
    '',
    'Answers cite passages as [1], [2], … and list the sources below. 👍/👎 tell the maintainers whether an answer helped.',
  ].join('\n');
}

export function renderAbout(about: About): string {
  const built = Date.parse(about.builtAt);
  const when = Number.isNaN(built) ? about.builtAt : `<t:${Math.floor(built / 1000)}:f> (<t:${Math.floor(built / 1000)}:R>)`;
  return [
    '**paperbot**',
    `Corpus: ${about.papers.toLocaleString('en')} papers, ${about.passages.toLocaleString('en')} passages; index built ${when}`,
    `Embeddings: ${escapeText(about.embeddings)}`,
    `Retrieval: ${about.retrieval === 'hybrid' ? 'hybrid (dense vectors + keyword search, fused)' : `keyword search only${about.lexicalReason === null ? '' : ` (${escapeText(about.lexicalReason)})`}`}`,
    `Answers: ${about.llm === null ? 'extractive (sentences quoted from the papers; no language model configured)' : `written by ${escapeText(about.llm)} from the retrieved passages, citations checked`}`,
  ].join('\n');
}

export function rateLimitNotice(limit: { questions: number; windowMs: number }, retryAfterMs: number): string {
  const window = limit.windowMs % 60_000 === 0 ? `${limit.windowMs / 60_000 === 1 ? 'minute' : `${limit.windowMs / 60_000} minutes`}` : `${Math.round(limit.windowMs / 1000)} seconds`;
  const wait = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return `⏳ You have reached the limit of ${limit.questions} question${limit.questions === 1 ? '' : 's'} per ${window}. Please try again in ${wait} s.`;
}

export const SHUTTING_DOWN_NOTICE = '⏳ paperbot is restarting; please try again in a minute.';
export const INTERRUPTED_NOTICE = '⏹️ paperbot restarted before this answer was finished; please ask again in a minute.';

export function errorNotice(errorId: string): string {
  return `⚠️ Something went wrong on my side. If it keeps happening, tell the bot's maintainers this error id: \`${errorId}\`.`;
}
