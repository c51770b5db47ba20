/**
 * The digest scheduler without Discord: a real state database in a temp folder, the shipped corpus as the
 * candidates, a recording sender and an injected clock. What it must guarantee: a day's digest goes out at
 * most once whatever fails or restarts (claim before sending), failures are recorded and retried the next
 * day, one channel's trouble never stops another's digest, and the croner jobs are the right ones.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiscordAPIError } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredPaper } from '../../core/retrieval/paper-store.ts';
import { StateDatabase } from '../../adapters/store/state-database.ts';
import type { DigestCandidates } from '../../assistant/assistant.ts';
import type { ChatMessage, ChatModel } from '../../core/answering/chat-model.ts';
import { LlmError } from '../../core/answering/chat-model.ts';
import { parseCorpusFile } from '../../core/corpus/parse-corpus-file.ts';
import { NOTHING_NEW_TEXT } from '../../core/digest/render-digest.ts';
import { extractiveTldr } from '../../core/digest/tldr.ts';
import { silentLogger } from '../../core/logger.ts';
import { DigestScheduler, describeDigestFailure, digestNonce, type DigestSchedulerOptions, type SendDigestMessage } from './digest-scheduler.ts';

const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../corpus/seed-papers.jsonl');
const PAPERS: StoredPaper[] = parseCorpusFile('seed-papers.jsonl', readFileSync(SHIPPED, 'utf8')).papers.map((p) => ({ ...p, addedAt: '2026-01-01T00:00:00.000Z' }));

let dir: string;
let state: StateDatabase;
let clock: { now: Date };
const schedulers: DigestScheduler[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'paperbot-digest-scheduler-'));
  state = StateDatabase.open(path.join(dir, 'state.sqlite'));
  clock = { now: new Date('2026-03-02T06:00:00Z') };
});

afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Sent {
  channelId: string;
  content: string;
  nonce: string;
}

function recordingSender(sent: Sent[], fail: (channelId: string, part: number) => unknown = () => undefined): SendDigestMessage {
  return async (channelId, message) => {
    const error = fail(channelId, sent.filter((s) => s.channelId === channelId && s.nonce === message.nonce).length);
    if (error !== undefined) throw error;
    sent.push({ channelId, ...message });
    return { id: String(sent.length) };
  };
}

const candidates = (): Promise<DigestCandidates> => Promise.resolve({ papers: PAPERS, embeddings: undefined, relevance: undefined });

function scheduler(options: Partial<DigestSchedulerOptions> & { send: SendDigestMessage }): DigestScheduler {
  const s = new DigestScheduler({ store: state, assistant: { digestCandidates: candidates }, logger: silentLogger, now: () => clock.now, pauseJobs: true, ...options });
  schedulers.push(s);
  return s;
}

function apiError(status: 403 | 404): DiscordAPIError {
  const body = status === 403 ? { code: 50001, message: 'Missing Access' } : { code: 10003, message: 'Unknown Channel' };
  return new DiscordAPIError(body, body.code, status, 'POST', '/channels/c/messages', { body: undefined, files: undefined });
}

const subscribe = (s: DigestScheduler, channelId: string, extra: Partial<{ time: string; timeZone: string; count: number; topic: string | null }> = {}) =>
  s.subscribe({ channelId, guildId: 'g1', userId: 'u1', time: '09:00', timeZone: 'Europe/Berlin', count: 3, topic: null, ...extra });

describe('DigestScheduler', () => {
  it('posts a channel’s digest once its local time has passed, once per local day', async () => {
    const sent: Sent[] = [];
    const s = scheduler({ send: recordingSender(sent) });
    subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T07:59:00Z'); // 08:59 in Berlin
    expect(await s.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    clock.now = new Date('2026-03-02T08:00:00Z');
    const [result] = await s.tick();
    expect(result).toMatchObject({ channelId: 'c1', outcome: 'posted', localDate: '2026-03-02' });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.content).toMatch(/^📚 \*\*Paper digest · 2026-03-02\*\*/);
    expect(sent[0]?.nonce).toBe(digestNonce('c1', '2026-03-02', 0));
    expect(sent[0]?.nonce.length).toBeLessThanOrEqual(25);
    clock.now = new Date('2026-03-02T21:00:00Z');
    expect(await s.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    expect(state.digestPosts('c1')).toMatchObject([{ localDate: '2026-03-02', status: 'sent', messageIds: ['1'] }]);
    expect(state.digestPosts('c1')[0]?.paperIds).toHaveLength(3);
  });

  it('never posts a day twice when the process died while sending it', async () => {
    let release: () => void = () => {};
    const hanging: SendDigestMessage = () => new Promise((_resolve, reject) => (release = () => reject(new Error('process killed'))));
    const first = scheduler({ send: hanging });
    subscribe(first, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    const stuck = first.tick();
    await expect.poll(() => state.digestPosts('c1')[0]?.status).toBe('sending');

    // A new process on the same state, the same day: the claim stands.
    const sent: Sent[] = [];
    const second = scheduler({ send: recordingSender(sent) });
    second.start();
    await second.idle();
    clock.now = new Date('2026-03-02T12:00:00Z');
    expect(await second.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    expect(sent).toEqual([]);
    release();
    await stuck;
    // The next day posts normally.
    clock.now = new Date('2026-03-03T08:00:00Z');
    expect((await second.tick())[0]).toMatchObject({ outcome: 'posted', localDate: '2026-03-03' });
    expect(sent).toHaveLength(1);
  });

  it('records a 403 or 404 channel, keeps its subscription, posts the others, and tries again the next day', async () => {
    const sent: Sent[] = [];
    const broken = new Map<string, DiscordAPIError>([['forbidden', apiError(403)], ['deleted', apiError(404)]]);
    const s = scheduler({ send: recordingSender(sent, (channelId) => broken.get(channelId)) });
    for (const channel of ['forbidden', 'deleted', 'fine']) subscribe(s, channel);
    clock.now = new Date('2026-03-02T08:00:00Z');
    const results = await s.tick();
    expect(Object.fromEntries(results.map((r) => [r.channelId, r.outcome]))).toEqual({ forbidden: 'failed', deleted: 'failed', fine: 'posted' });
    expect(sent.map((m) => m.channelId)).toEqual(['fine']);
    expect(state.digestSubscription('forbidden')?.lastError).toMatch(/may not post in this channel \(403 Missing Access\)/);
    expect(state.digestSubscription('deleted')?.lastError).toMatch(/channel does not exist \(404 Unknown Channel\)/);
    expect(state.digestSubscriptions()).toHaveLength(3);

    // Not again the same day…
    clock.now = new Date('2026-03-02T15:00:00Z');
    expect((await s.tick()).map((r) => r.outcome)).toEqual(['not-due', 'not-due', 'not-due']);
    // …but the next day, and a fixed channel posts and clears its error.
    broken.delete('forbidden');
    clock.now = new Date('2026-03-03T08:00:00Z');
    const next = Object.fromEntries((await s.tick()).map((r) => [r.channelId, r.outcome]));
    expect(next).toEqual({ forbidden: 'posted', deleted: 'failed', fine: 'posted' });
    expect(state.digestSubscription('forbidden')?.lastError).toBeNull();
    // The papers the forbidden channel never saw were not counted as featured there.
    expect(state.digestHistory('forbidden').posts).toHaveLength(1);
  });

  it('keeps going when preparing one digest throws, recording an error id', async () => {
    const sent: Sent[] = [];
    const s = scheduler({
      send: recordingSender(sent),
      assistant: { digestCandidates: async (topic) => (topic === 'boom' ? Promise.reject(new TypeError('index exploded')) : candidates()) },
    });
    subscribe(s, 'bad', { topic: 'boom' });
    subscribe(s, 'good');
    clock.now = new Date('2026-03-02T08:00:00Z');
    const results = await s.tick();
    expect(results.find((r) => r.channelId === 'bad')).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/unexpected error, id [0-9a-f]{10}/) });
    expect(results.find((r) => r.channelId === 'good')?.outcome).toBe('posted');
    expect(state.digestSubscription('bad')?.lastError).toMatch(/could not be prepared/);
    // Nothing was claimed for the failed one: a restart the same day may try again.
    expect(state.digestPosts('bad')).toEqual([]);
  });

  it('runs one digest per channel at a time: its job firing during the catch-up sends nothing more', async () => {
    const sent: Sent[] = [];
    const s = scheduler({ send: recordingSender(sent) });
    subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    const [a, b, c] = await Promise.all([s.tick(), s.runChannel('c1'), s.jobs()[0]!.cron.trigger()]);
    expect(a[0]?.outcome).toBe('posted');
    expect(b.outcome).toBe('posted');
    expect(c).toBeUndefined();
    await s.idle();
    expect(sent).toHaveLength(1);
  });

  it('does not post a digest for a channel unsubscribed while it was being prepared', async () => {
    const sent: Sent[] = [];
    let unblock: () => void = () => {};
    const gate = new Promise<void>((resolve) => (unblock = resolve));
    const s = scheduler({ send: recordingSender(sent), assistant: { digestCandidates: async () => (await gate, candidates()) } });
    subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    const running = s.tick();
    await new Promise((resolve) => setTimeout(resolve, 20));
    s.unsubscribe('c1');
    unblock();
    expect(await running).toEqual([{ channelId: 'c1', outcome: 'skipped', reason: 'unsubscribed' }]);
    expect(sent).toEqual([]);
  });

  it('creates one croner job per subscription in its zone, and rebuilds them on every change', () => {
    const s = scheduler({ send: recordingSender([]) });
    clock.now = new Date('2026-03-07T12:00:00Z');
    subscribe(s, 'ny', { time: '09:00', timeZone: 'America/New_York' });
    subscribe(s, 'tokyo', { time: '07:30', timeZone: 'Asia/Tokyo' });
    const jobs = Object.fromEntries(s.jobs().map((j) => [j.channelId, j]));
    expect(jobs.ny).toMatchObject({ pattern: '0 9 * * *', timeZone: 'America/New_York' });
    expect(jobs.tokyo).toMatchObject({ pattern: '30 7 * * *', timeZone: 'Asia/Tokyo' });
    // croner's own next runs across the spring-forward of 2026-03-08 in New York: 14:00 UTC, then 13:00 UTC.
    expect(jobs.ny?.cron.nextRuns(2, new Date('2026-03-07T12:00:00Z')).map((d) => d.toISOString())).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
    expect(jobs.tokyo?.cron.nextRun(new Date('2026-03-07T12:00:00Z'))?.toISOString()).toBe('2026-03-07T22:30:00.000Z');

    subscribe(s, 'ny', { time: '18:15', timeZone: 'America/New_York' });
    expect(s.jobs().find((j) => j.channelId === 'ny')?.pattern).toBe('15 18 * * *');
    expect(jobs.ny?.cron.isStopped()).toBe(true);
    s.unsubscribe('tokyo');
    expect(s.jobs().map((j) => j.channelId)).toEqual(['ny']);
  });

  it('posts when a job fires, with nobody talking to the bot', async () => {
    const sent: Sent[] = [];
    const s = scheduler({ send: recordingSender(sent) });
    subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T08:00:05Z');
    await s.jobs()[0]!.cron.trigger();
    await s.idle();
    expect(sent.map((m) => m.channelId)).toEqual(['c1']);
  });

  it('asks the language model for TL;DRs, falls back to the key sentence when it fails, and reuses them for the post after a preview', async () => {
    const calls: ChatMessage[][] = [];
    const model: ChatModel = {
      model: 'fake',
      async complete(messages) {
        calls.push([...messages]);
        const user = messages.at(-1)?.content ?? '';
        if (user.includes('FaMUS')) throw new LlmError('server', 'the model is down');
        return `TL;DR: "A short summary of ${/Paper: (.*)/.exec(user)?.[1]?.slice(0, 20) ?? '?'} [1]." Hope this helps!`;
      },
      // eslint-disable-next-line require-yield
      async *stream() {
        throw new Error('not used');
      },
    };
    const sent: Sent[] = [];
    const s = scheduler({ send: recordingSender(sent), chatModel: model });
    subscribe(s, 'c1', { count: 10 });
    const preview = await s.preview({ channelId: 'c1', timeZone: 'Europe/Berlin', count: 10, topic: null });
    expect(preview.llmTldrs).toBe(9); // 10 papers, the FaMUS one failed
    const famus = preview.message.entries.find((e) => e.label.includes('Faster Meta Update'));
    const famusPaper = PAPERS.find((p) => p.id === famus?.paperId);
    expect(famus?.tldr).toBe(extractiveTldr(famusPaper?.abstract ?? ''));
    const other = preview.message.entries.find((e) => e !== famus);
    expect(other?.tldr).toMatch(/^A short summary of .+\.$/);
    expect(other?.tldr).not.toMatch(/\[1\]|Hope/);
    const callsAfterPreview = calls.length;

    clock.now = new Date('2026-03-02T08:00:00Z');
    await s.tick();
    expect(sent.map((m) => m.content).join('\n')).toContain(other?.tldr);
    // Only the paper whose TL;DR failed is asked again.
    expect(calls.length - callsAfterPreview).toBe(1);
    // The preview recorded nothing.
    expect(state.digestPosts('c1')).toHaveLength(1);
  });

  it('posts a short "nothing new today" message, never silence, when the corpus is empty', async () => {
    const sent: Sent[] = [];
    const s = scheduler({ send: recordingSender(sent), assistant: { digestCandidates: async () => ({ papers: [], embeddings: undefined, relevance: undefined }) } });
    subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    expect((await s.tick())[0]?.outcome).toBe('posted');
    expect(sent.map((m) => m.content)).toEqual([`📚 **Paper digest · 2026-03-02**\n${NOTHING_NEW_TEXT}`]);
    expect(state.digestPosts('c1')).toMatchObject([{ status: 'sent', paperIds: [] }]);
  });

  it('says why a post failed in words a server admin can act on', () => {
    expect(describeDigestFailure(apiError(403))).toMatch(/give it View Channel and Send Messages/);
    expect(describeDigestFailure(apiError(404))).toMatch(/deleted, or paperbot cannot see it/);
    expect(describeDigestFailure(new Error('connect ECONNREFUSED'))).toBe('could not reach Discord (connect ECONNREFUSED)');
  });
});
