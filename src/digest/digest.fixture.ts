/**
 * What the digest tests share: a real state database in a temp folder (fresh for each test), the shipped
 * corpus as the candidates, a sender that records what it sends and renders plain text, an injected clock,
 * and services made on them (stopped after each test).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { StateDatabase } from '../adapters/store/state-database.ts';
import { parseCorpusFile } from '../core/corpus/parse-corpus-file.ts';
import type { DigestMessage } from '../core/digest/digest-message.ts';
import { silentLogger } from '../core/logger.ts';
import type { DigestCandidates, DigestSourcePaper } from './compose-digest.ts';
import type { DigestPart, DigestSender, RenderedDigestPart } from './digest-sender.ts';
import { DigestService, type DigestServiceOptions } from './digest-service.ts';

const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../corpus/seed-papers.jsonl');
export const PAPERS: DigestSourcePaper[] = parseCorpusFile('seed-papers.jsonl', readFileSync(SHIPPED, 'utf8')).papers.map((p) => ({ ...p, addedAt: '2026-01-01T00:00:00.000Z' }));

export const candidates = (): Promise<DigestCandidates> => Promise.resolve({ papers: PAPERS, embeddings: undefined, relevance: undefined });

/** A platform of plain text: the title, then one line per entry; with `partPerEntry`, one message per entry. */
function plainRender(message: DigestMessage, partPerEntry = false): RenderedDigestPart[] {
  const head = [message.title, ...message.notes, ...(message.emptyText === null ? [] : [message.emptyText])].join('\n');
  const entries = message.entries.map((e) => ({ content: `${e.n}. ${e.label} | TL;DR: ${e.tldr}`, entries: [e.n] }));
  return partPerEntry ? [{ content: head, entries: [] }, ...entries] : [{ content: [head, ...entries.map((e) => e.content)].join('\n'), entries: message.entries.map((e) => e.n) }];
}

export interface RecordingSender extends DigestSender {
  sent: DigestPart[];
}

/** Records what it sends; `fail` may throw for a part (its error is described as "failed: <message>"). */
export function recordingSender({ fail, partPerEntry = false }: { fail?: (part: DigestPart) => Error | undefined; partPerEntry?: boolean } = {}): RecordingSender {
  const sent: DigestPart[] = [];
  return {
    sent,
    render: (message) => plainRender(message, partPerEntry),
    async send(part) {
      const error = fail?.(part);
      if (error !== undefined) throw error;
      sent.push(part);
      return { id: `m${sent.length}` };
    },
    describeFailure: (error) => `failed: ${error instanceof Error ? error.message : String(error)}`,
  };
}

export interface DigestFixture {
  /** This test's state database. */
  readonly state: StateDatabase;
  /** The services' clock: set `clock.now` to move time (2026-03-02T06:00:00Z at the start of each test). */
  readonly clock: { now: Date };
  /** A service on this test's state and clock, jobs paused; options replace the defaults. */
  service(options?: Partial<DigestServiceOptions>): DigestService;
}

/** Registers the hooks that give each test of the file a fresh fixture. */
export function useDigestFixture(): DigestFixture {
  let dir = '';
  let state: StateDatabase | undefined;
  const clock = { now: new Date() };
  const services: DigestService[] = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'paperbot-digest-'));
    state = StateDatabase.open(path.join(dir, 'state.sqlite'));
    clock.now = new Date('2026-03-02T06:00:00Z');
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
    state?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const fixture: DigestFixture = {
    get state() {
      if (state === undefined) throw new Error('the digest fixture is used outside a test');
      return state;
    },
    clock,
    service(options = {}) {
      const s = new DigestService({
        store: fixture.state.digests,
        candidates: { digestCandidates: candidates },
        sender: recordingSender(),
        logger: silentLogger,
        now: () => clock.now,
        pauseJobs: true,
        ...options,
      });
      services.push(s);
      return s;
    },
  };
  return fixture;
}

/** Subscribes a channel of server g1 at 09:00 Berlin time, 3 papers, no topic, unless told otherwise. */
export function subscribe(s: DigestService, channelId: string, extra: Partial<{ time: string; timeZone: string; count: number; topic: string | null }> = {}) {
  return s.subscribe({ channelId, guildId: 'g1', userId: 'u1', time: '09:00', timeZone: 'Europe/Berlin', count: 3, topic: null, ...extra });
}
