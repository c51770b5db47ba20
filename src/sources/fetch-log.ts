/**
 * What paperbot remembers about its fetches, in `<DATA_DIR>/arxiv-fetches.json` (small, rewritten
 * atomically): the day each feed was last fetched (so a second fetch of the same feed on the same day asks
 * arXiv nothing unless forced), the last fetch's counts and the last failure, which /about shows. It sits
 * beside the index rather than in the state database: losing it costs one extra polite request, nothing more.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError, describeError } from '../core/errors.ts';
import { writeAtomically } from './write-atomically.ts';

export interface FetchRecord {
  /** ISO time. */
  at: string;
  categories: string[];
  added: number;
  updated: number;
}

export interface FetchLogData {
  /** Feed (its categories joined with `+`, sorted) → the arXiv day (YYYY-MM-DD) it was last fetched. */
  feeds: Record<string, string>;
  lastFetch: FetchRecord | null;
  lastFailure: { at: string; message: string } | null;
}

export class FetchLog {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'arxiv-fetches.json');
  }

  read(): FetchLogData {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { feeds: {}, lastFetch: null, lastFailure: null };
      throw error;
    }
    let data: Partial<FetchLogData>;
    try {
      data = JSON.parse(text) as Partial<FetchLogData>;
    } catch (error) {
      throw new UserError('E_FETCH_LOG', `${this.file} is not valid JSON (${describeError(error)}): delete it; it only remembers when arXiv was last fetched.`, { cause: error });
    }
    return { feeds: data.feeds ?? {}, lastFetch: data.lastFetch ?? null, lastFailure: data.lastFailure ?? null };
  }

  async update(change: (data: FetchLogData) => void): Promise<void> {
    const data = this.read();
    change(data);
    await writeAtomically(this.file, `${JSON.stringify(data, null, 2)}\n`);
  }
}

export function feedKey(categories: readonly string[]): string {
  return [...categories].sort().join('+');
}

/** The day in arXiv's time zone (its announcements and its "once a day" are US Eastern). */
export function arxivDay(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
