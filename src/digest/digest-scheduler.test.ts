/**
 * The digests without a platform: a real state database in a temp folder, the shipped corpus as the
 * candidates, a recording sender and an injected clock. What it must guarantee: a day's digest goes out at
 * most once whatever fails or restarts (claim before sending), failures are recorded (in the sender's words)
 * and retried the next day, one channel's trouble never stops another's digest, and the croner jobs are the
 * right ones.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateDatabase } from '../adapters/store/state-database.ts';
import { LlmError } from '../core/answering/chat-model.ts';
import { parseCorpusFile } from '../core/corpus/parse-corpus-file.ts';
import { NOTHING_NEW_TEXT, type DigestMessage } from '../core/digest/digest-message.ts';
import { extractiveTldr } from '../core/digest/tldr.ts';
import { silentLogger } from '../core/logger.ts';
import type { DigestCandidates, DigestSourcePaper } from './compose-digest.ts';
import type { DigestPart, DigestSender } from './digest-sender.ts';
import { DigestService, type DigestServiceOptions } from './digest-service.ts';
import { RecordingChatModel } from '../../tests/support/recording-chat-model.ts';

const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../corpus/seed-papers.jsonl');
const PAPERS: DigestSourcePaper[] = parseCorpusFile('seed-papers.jsonl', readFileSync(SHIPPED, 'utf8')).papers.map((p) => ({ ...p, addedAt: '2026-01-01T00:00:00.000Z' }));

let dir: string;
let state: StateDatabase;
let clock: { now: Date };
const services: DigestService[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'paperbot-digest-scheduler-'));
  state = StateDatabase.open(path.join(dir, 'state.sqlite'));
  clock = { now: new Date('2026-03-02T06:00:00Z') };
});

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A platform of plain text: the title, then one line per entry; with `partPerEntry`, one message per entry. */
function plainRender(message: DigestMessage, partPerEntry = false): string[] {
  const head = [message.title, ...message.notes, ...(message.emptyText === null ? [] : [message.emptyText])].join('\n');
  const entries = message.entries.map((e) => `${e.n}. ${e.label} | TL;DR: ${e.tldr}`);
  return partPerEntry ? [head, ...entries] : [[head, ...entries].join('\n')];
}

interface RecordingSender extends DigestSender {
  sent: DigestPart[];
}

/** Records what it sends; `fail` may throw for a part (its error is described as "failed: <message>"). */
function recordingSender({ fail, partPerEntry = false }: { fail?: (part: DigestPart) => Error | undefined; partPerEntry?: boolean } = {}): RecordingSender {
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

const candidates = (): Promise<DigestCandidates> => Promise.resolve({ papers: PAPERS, embeddings: undefined, relevance: undefined });

function service(options: Partial<DigestServiceOptions> = {}): DigestService {
  const s = new DigestService({
    store: state.digests,
    candidates: { digestCandidates: candidates },
    sender: recordingSender(),
    logger: silentLogger,
    now: () => clock.now,
    pauseJobs: true,
    ...options,
  });
  services.push(s);
  return s;
}

const subscribe = (s: DigestService, channelId: string, extra: Partial<{ time: string; timeZone: string; count: number; topic: string | null }> = {}) =>
  s.subscribe({ channelId, guildId: 'g1', userId: 'u1', time: '09:00', timeZone: 'Europe/Berlin', count: 3, topic: null, ...extra });

describe('DigestScheduler', () => {
  it('posts a channel’s digest once its local time has passed, once per local day', async () => {
    const sender = recordingSender();
    const s = service({ sender });
    await subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T07:59:00Z'); // 08:59 in Berlin
    expect(await s.scheduler.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    clock.now = new Date('2026-03-02T08:00:00Z');
    const [result] = await s.scheduler.tick();
    expect(result).toMatchObject({ channelId: 'c1', outcome: 'posted', localDate: '2026-03-02', messageIds: ['m1'] });
    expect(sender.sent).toEqual([{ channelId: 'c1', localDate: '2026-03-02', index: 0, content: expect.stringMatching(/^Paper digest · 2026-03-02\n1\. /) }]);
    clock.now = new Date('2026-03-02T21:00:00Z');
    expect(await s.scheduler.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    expect(state.digests.posts('c1')).toMatchObject([{ localDate: '2026-03-02', status: 'sent', messageIds: ['m1'] }]);
    expect(state.digests.posts('c1')[0]?.paperIds).toHaveLength(3);
  });

  it('never posts a day twice when the process died while sending it', async () => {
    let release: () => void = () => {};
    const hanging: DigestSender = { ...recordingSender(), send: () => new Promise((_resolve, reject) => (release = () => reject(new Error('process killed')))) };
    const first = service({ sender: hanging });
    await subscribe(first, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    const stuck = first.scheduler.tick();
    await expect.poll(() => state.digests.posts('c1')[0]?.status).toBe('sending');

    // A new process on the same state, the same day: the claim stands.
    const sender = recordingSender();
    const second = service({ sender });
    await second.start();
    await second.scheduler.idle();
    clock.now = new Date('2026-03-02T12:00:00Z');
    expect(await second.scheduler.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    expect(sender.sent).toEqual([]);
    release();
    await stuck;
    // The next day posts normally.
    clock.now = new Date('2026-03-03T08:00:00Z');
    expect((await second.scheduler.tick())[0]).toMatchObject({ outcome: 'posted', localDate: '2026-03-03' });
    expect(sender.sent).toHaveLength(1);
  });

  it('records a channel it cannot post to in the sender’s words, keeps its subscription, posts the others, and tries again the next day', async () => {
    const broken = new Map([['forbidden', new Error('403 Missing Access')], ['deleted', new Error('404 Unknown Channel')]]);
    const sender = recordingSender({ fail: (part) => broken.get(part.channelId) });
    const s = service({ sender });
    for (const channel of ['forbidden', 'deleted', 'fine']) await subscribe(s, channel);
    clock.now = new Date('2026-03-02T08:00:00Z');
    const results = await s.scheduler.tick();
    expect(Object.fromEntries(results.map((r) => [r.channelId, r.outcome]))).toEqual({ forbidden: 'failed', deleted: 'failed', fine: 'posted' });
    expect(results.find((r) => r.channelId === 'forbidden')).toMatchObject({ error: 'failed: 403 Missing Access', localDate: '2026-03-02' });
    expect(sender.sent.map((m) => m.channelId)).toEqual(['fine']);
    expect(state.digests.subscription('forbidden')?.lastError).toBe('failed: 403 Missing Access');
    expect(state.digests.subscription('deleted')?.lastError).toBe('failed: 404 Unknown Channel');
    expect(state.digests.subscriptions()).toHaveLength(3);

    // Not again the same day…
    clock.now = new Date('2026-03-02T15:00:00Z');
    expect((await s.scheduler.tick()).map((r) => r.outcome)).toEqual(['not-due', 'not-due', 'not-due']);
    // …but the next day, and a fixed channel posts and clears its error.
    broken.delete('forbidden');
    clock.now = new Date('2026-03-03T08:00:00Z');
    const next = Object.fromEntries((await s.scheduler.tick()).map((r) => [r.channelId, r.outcome]));
    expect(next).toEqual({ forbidden: 'posted', deleted: 'failed', fine: 'posted' });
    expect(state.digests.subscription('forbidden')?.lastError).toBeNull();
    // The papers the forbidden channel never saw were not counted as featured there.
    expect(state.digests.history('forbidden').posts).toHaveLength(1);
  });

  it('counts a digest cut short after its first messages as seen, and does not send its day again', async () => {
    const sender = recordingSender({ partPerEntry: true, fail: (part) => (part.index === 2 ? new Error('connection reset') : undefined) });
    const s = service({ sender });
    await subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    expect((await s.scheduler.tick())[0]).toMatchObject({ outcome: 'failed', error: 'failed: connection reset' });
    expect(sender.sent.map((p) => p.index)).toEqual([0, 1]);
    expect(state.digests.posts('c1')).toMatchObject([{ localDate: '2026-03-02', status: 'sent', messageIds: ['m1', 'm2'], error: 'failed: connection reset' }]);
    clock.now = new Date('2026-03-02T12:00:00Z');
    expect(await s.scheduler.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    expect(sender.sent).toHaveLength(2);
  });

  it('keeps going when preparing one digest throws, recording an error id', async () => {
    const sender = recordingSender();
    const s = service({
      sender,
      candidates: { digestCandidates: async (topic) => (topic === 'boom' ? Promise.reject(new TypeError('index exploded')) : candidates()) },
    });
    await subscribe(s, 'bad', { topic: 'boom' });
    await subscribe(s, 'good');
    clock.now = new Date('2026-03-02T08:00:00Z');
    const results = await s.scheduler.tick();
    expect(results.find((r) => r.channelId === 'bad')).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/unexpected error, id [0-9a-f]{10}/) });
    expect(results.find((r) => r.channelId === 'good')?.outcome).toBe('posted');
    expect(state.digests.subscription('bad')?.lastError).toMatch(/could not be prepared/);
    // Nothing was claimed for the failed one: a restart the same day may try again.
    expect(state.digests.posts('bad')).toEqual([]);
  });

  it('claims nothing when rendering fails, so the day can still be posted', async () => {
    let renderFails = true;
    const base = recordingSender();
    const sender: DigestSender = {
      ...base,
      render: (message) => {
        if (renderFails) throw new RangeError('cannot render');
        return base.render(message);
      },
    };
    const s = service({ sender });
    await subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    expect((await s.scheduler.tick())[0]?.outcome).toBe('failed');
    expect(state.digests.posts('c1')).toEqual([]);
    renderFails = false;
    expect((await s.scheduler.tick())[0]).toMatchObject({ outcome: 'posted', localDate: '2026-03-02' });
    expect(base.sent).toHaveLength(1);
  });

  it('runs one digest per channel at a time: its job firing during the catch-up joins the run in flight', async () => {
    const sender = recordingSender();
    let composed = 0;
    const s = service({ sender, candidates: { digestCandidates: () => ((composed += 1), candidates()) } });
    await subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    const job = s.scheduler.jobs()[0]!;
    // croner's trigger() resolves when the job's function has: then the run it joined has posted.
    const sentWhenJobDone = job.cron.trigger().then(() => sender.sent.length);
    const [a, b, c] = await Promise.all([s.scheduler.tick(), s.scheduler.runChannel('c1'), sentWhenJobDone]);
    expect(a[0]?.outcome).toBe('posted');
    expect(b.outcome).toBe('posted');
    expect(c).toBe(1);
    await s.scheduler.idle();
    expect(composed).toBe(1);
    expect(sender.sent).toHaveLength(1);
  });

  it('does not post a digest for a channel unsubscribed while it was being prepared', async () => {
    const sender = recordingSender();
    let unblock: () => void = () => {};
    const gate = new Promise<void>((resolve) => (unblock = resolve));
    const s = service({ sender, candidates: { digestCandidates: async () => (await gate, candidates()) } });
    await subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    const running = s.scheduler.tick();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await s.unsubscribe('c1');
    unblock();
    expect(await running).toEqual([{ channelId: 'c1', outcome: 'skipped', reason: 'unsubscribed' }]);
    expect(sender.sent).toEqual([]);
  });

  it('creates one croner job per subscription in its zone, and rebuilds them on every change', async () => {
    const s = service();
    clock.now = new Date('2026-03-07T12:00:00Z');
    await subscribe(s, 'ny', { time: '09:00', timeZone: 'America/New_York' });
    await subscribe(s, 'tokyo', { time: '07:30', timeZone: 'Asia/Tokyo' });
    const jobs = Object.fromEntries(s.scheduler.jobs().map((j) => [j.channelId, j]));
    expect(jobs.ny).toMatchObject({ pattern: '0 9 * * *', timeZone: 'America/New_York' });
    expect(jobs.tokyo).toMatchObject({ pattern: '30 7 * * *', timeZone: 'Asia/Tokyo' });
    // croner's own next runs across the spring-forward of 2026-03-08 in New York: 14:00 UTC, then 13:00 UTC.
    expect(jobs.ny?.cron.nextRuns(2, new Date('2026-03-07T12:00:00Z')).map((d) => d.toISOString())).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
    expect(jobs.tokyo?.cron.nextRun(new Date('2026-03-07T12:00:00Z'))?.toISOString()).toBe('2026-03-07T22:30:00.000Z');

    await subscribe(s, 'ny', { time: '18:15', timeZone: 'America/New_York' });
    expect(s.scheduler.jobs().find((j) => j.channelId === 'ny')?.pattern).toBe('15 18 * * *');
    expect(jobs.ny?.cron.isStopped()).toBe(true);
    await s.unsubscribe('tokyo');
    expect(s.scheduler.jobs().map((j) => j.channelId)).toEqual(['ny']);
  });

  it('keeps the last change when subscriptions change at the same time, even when an earlier read is slower', async () => {
    // The store answers the first read of the subscriptions late, with what it held when asked.
    const delays = [40];
    const slowFirstRead = new Proxy(state.digests, {
      get(target, key) {
        if (key === 'subscriptions') {
          return async (filter?: { guildId?: string }) => {
            const result = target.subscriptions(filter);
            await new Promise((resolve) => setTimeout(resolve, delays.shift() ?? 0));
            return result;
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const s = service({ store: slowFirstRead });
    const first = subscribe(s, 'a');
    // The rebuild after subscribing #a has read [a] and is waiting when #b and #c subscribe.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([first, subscribe(s, 'b'), subscribe(s, 'c', { time: '10:00' })]);
    expect(s.scheduler.jobs().map((j) => j.channelId).sort()).toEqual(['a', 'b', 'c']);
    await Promise.all([s.unsubscribe('a'), subscribe(s, 'c', { time: '11:45' })]);
    expect(s.scheduler.jobs().map((j) => [j.channelId, j.pattern]).sort()).toEqual([
      ['b', '0 9 * * *'],
      ['c', '45 11 * * *'],
    ]);
  });

  it('posts when a job fires, with nobody talking to the bot', async () => {
    const sender = recordingSender();
    const s = service({ sender });
    await subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T08:00:05Z');
    await s.scheduler.jobs()[0]!.cron.trigger();
    await s.scheduler.idle();
    expect(sender.sent.map((m) => m.channelId)).toEqual(['c1']);
  });

  it('asks the language model for TL;DRs, falls back to the key sentence when it fails, and reuses them for the post after a preview', async () => {
    const model = new RecordingChatModel({
      reply: ({ messages }) => {
        const user = messages.at(-1)?.content ?? '';
        if (user.includes('FaMUS')) return new LlmError('server', 'the model is down');
        return `TL;DR: "A short summary of ${/Paper: (.*)/.exec(user)?.[1]?.slice(0, 20) ?? '?'} [1]." Hope this helps!`;
      },
    });
    const sender = recordingSender();
    const s = service({ sender, chatModel: model });
    await subscribe(s, 'c1', { count: 10 });
    const preview = await s.preview({ channelId: 'c1', timeZone: 'Europe/Berlin', count: 10, topic: null });
    expect(preview.llmTldrs).toBe(9); // 10 papers, the FaMUS one failed
    const famus = preview.message.entries.find((e) => e.label.includes('Faster Meta Update'));
    const famusPaper = PAPERS.find((p) => p.id === famus?.paperId);
    expect(famus?.tldr).toBe(extractiveTldr(famusPaper?.abstract ?? ''));
    const other = preview.message.entries.find((e) => e !== famus);
    expect(other?.tldr).toMatch(/^A short summary of .+\.$/);
    expect(other?.tldr).not.toMatch(/\[1\]|Hope/);
    const callsAfterPreview = model.calls.length;

    clock.now = new Date('2026-03-02T08:00:00Z');
    await s.scheduler.tick();
    expect(sender.sent.map((m) => m.content).join('\n')).toContain(other?.tldr);
    // Only the paper whose TL;DR failed is asked again.
    expect(model.calls.length - callsAfterPreview).toBe(1);
    // The preview recorded nothing.
    expect(state.digests.posts('c1')).toHaveLength(1);
  });

  it('posts a short "nothing new today" message, never silence, when the corpus is empty', async () => {
    const sender = recordingSender();
    const s = service({ sender, candidates: { digestCandidates: async () => ({ papers: [], embeddings: undefined, relevance: undefined }) } });
    await subscribe(s, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    expect((await s.scheduler.tick())[0]?.outcome).toBe('posted');
    expect(sender.sent.map((m) => m.content)).toEqual([`Paper digest · 2026-03-02\n${NOTHING_NEW_TEXT}`]);
    expect(state.digests.posts('c1')).toMatchObject([{ status: 'sent', paperIds: [] }]);
  });
});
