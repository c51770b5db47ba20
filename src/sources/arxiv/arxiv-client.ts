/**
 * The one way paperbot talks to arXiv, polite as its terms of use ask (arXiv/arxiv-docs,
 * source/help/api/tou.md: no more than one request every three seconds, one connection at a time): requests
 * go one after another, each at least `minIntervalMs` after the previous one ended, on an injectable clock;
 * a descriptive User-Agent names paperbot, its version and a contact; 429 and 503 are retried honouring
 * Retry-After up to a cap, within a total time budget; a request that hangs is cut off. Every failure is a
 * UserError sentence, so the CLI, /add and the daily job can show it as it is.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { UserError, describeError } from '../../core/errors.ts';

export interface ArxivClientOptions {
  /** At least this long between the end of one request and the start of the next (arXiv asks 3000). */
  minIntervalMs: number;
  /** ARXIV_CONTACT: an e-mail or URL arXiv can reach the operator at; added to the User-Agent. */
  contact?: string | undefined;
  /** One request's time limit (a hang is cut off after it). */
  timeoutMs?: number;
  /** The longest Retry-After honoured; a longer one fails at once with the wait arXiv asked for. */
  maxRetryAfterMs?: number;
  /** Retries of 429/503 per request. */
  maxRetries?: number;
  /** Everything one `get` may take, waits included. */
  totalBudgetMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

export interface ArxivRequestRecord {
  url: string;
  /** When it started, on the client's clock. */
  at: number;
  status: number | null;
}

let version: string | undefined;
function paperbotVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}

export class ArxivClient {
  readonly userAgent: string;
  /** Every request sent (retries included), in order: `requests.length` is what a fetch reports. */
  readonly requests: ArxivRequestRecord[] = [];
  private readonly options: Required<Omit<ArxivClientOptions, 'contact'>>;
  private queue: Promise<unknown> = Promise.resolve();
  private lastEnd: number | null = null;

  constructor({ contact, ...options }: ArxivClientOptions) {
    this.userAgent = `paperbot/${paperbotVersion()} (research-paper Discord bot${contact === undefined ? '' : `; ${contact}`})`;
    this.options = {
      timeoutMs: 30_000,
      maxRetryAfterMs: 60_000,
      maxRetries: 3,
      totalBudgetMs: 180_000,
      now: () => Date.now(),
      sleep: (ms) => delay(ms),
      fetch: (...args) => fetch(...args),
      ...options,
    };
  }

  /** The body of a GET, after waiting its turn; 429/503 retried per the options. */
  get(url: string): Promise<string> {
    const run = this.queue.then(() => this.send(url));
    // The next request waits for this one to end, whatever its outcome.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(url: string): Promise<string> {
    const { now, sleep, minIntervalMs, totalBudgetMs, maxRetries, maxRetryAfterMs } = this.options;
    const deadline = now() + totalBudgetMs;
    for (let attempt = 0; ; attempt++) {
      if (this.lastEnd !== null) {
        const wait = this.lastEnd + minIntervalMs - now();
        if (wait > 0) await sleep(wait);
      }
      const { status, body, retryAfterMs } = await this.once(url);
      if (status >= 200 && status < 300) return body;
      if (status !== 429 && status !== 503) {
        throw new UserError('E_ARXIV_HTTP', `arXiv answered ${status} to ${url}${status === 400 ? ' (a malformed query)' : ''}; nothing was written.`);
      }
      const what = status === 429 ? 'arXiv is rate-limiting paperbot (429)' : 'arXiv is unavailable (503)';
      const wait = Math.max(retryAfterMs ?? minIntervalMs * 2 ** (attempt + 1), minIntervalMs);
      if (retryAfterMs !== null && retryAfterMs > maxRetryAfterMs) {
        throw new UserError('E_ARXIV_BUSY', `${what} and asks to wait ${Math.ceil(retryAfterMs / 1000)} s; try again later.`);
      }
      if (attempt >= maxRetries || now() + wait > deadline) {
        throw new UserError('E_ARXIV_BUSY', `${what}, still after ${attempt + 1} tries; try again later.`);
      }
      // The wait counts from the failed answer, like the interval between any two requests.
      await sleep(Math.max(0, (this.lastEnd ?? now()) + wait - now()));
    }
  }

  private async once(url: string): Promise<{ status: number; body: string; retryAfterMs: number | null }> {
    const record: ArxivRequestRecord = { url, at: this.options.now(), status: null };
    this.requests.push(record);
    try {
      const response = await this.options.fetch(url, {
        headers: { 'user-agent': this.userAgent, accept: 'application/xml, application/atom+xml, application/rss+xml' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      record.status = response.status;
      const body = await response.text();
      return { status: response.status, body, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.options.now()) };
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new UserError(
        timedOut ? 'E_ARXIV_TIMEOUT' : 'E_ARXIV_UNREACHABLE',
        timedOut ? `arXiv did not answer within ${seconds(this.options.timeoutMs)}; nothing was written.` : `arXiv cannot be reached (${describeError(causeOf(error))}); nothing was written.`,
        { cause: error },
      );
    } finally {
      this.lastEnd = this.options.now();
    }
  }
}

/** Retry-After is seconds or an HTTP date (RFC 9110); anything else is ignored. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

/** fetch() says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is its cause. */
function causeOf(error: unknown): unknown {
  return error instanceof Error && error.cause !== undefined ? error.cause : error;
}
