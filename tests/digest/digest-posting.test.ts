/**
 * Daily digests end to end: `/digest subscribe` through the real discord.js client against the fake Discord,
 * the real assistant over a temp index, the fake OpenAI server for TL;DRs, and the injected clock driving the
 * scheduler. Assertions are on the REST calls the fake recorded and on the state database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CYCLE_RESTART_NOTE } from '../../src/core/digest/digest-message.ts';
import { WHY_NEW } from '../../src/core/digest/pick-papers.ts';
import { extractiveTldr } from '../../src/core/digest/tldr.ts';
import type { RecordedRequest } from '../../src/dev/fake-openai.ts';
import { paperLine, startDigestHarness, textOf, type ChannelName, type DigestHarness } from './digest-harness.ts';

/** The fake model's TL;DR: says which paper it summarizes, and adds chatter and a citation for tidyLlmTldr to remove. */
function tldrResponder(request: RecordedRequest): { content: string } {
  const messages = (request.body as { messages?: Array<{ content?: string }> }).messages ?? [];
  const label = /Paper: (.*)/.exec(messages.at(-1)?.content ?? '')?.[1] ?? 'unknown';
  const words = label.split(/\s+/).slice(0, 3).join(' ');
  return { content: `TL;DR: LLM summary of ${words} in one line [2]. Let me know if you need more!` };
}

let h: DigestHarness;
let startMs = 0;

beforeAll(async () => {
  const started = performance.now();
  h = await startDigestHarness({ llm: true });
  h.llm?.setDefault(tldrResponder);
  startMs = performance.now() - started;
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** The papers (labels) of a digest message, in order. */
function entryLabels(content: string): string[] {
  return [...content.matchAll(/^\*\*\d+\. (?:🆕 )?(.+)\*\*$/gm)].map((m) => m[1] ?? '');
}

async function subscribe(channel: ChannelName, time: string, timezone: string, count?: number): Promise<void> {
  const { reply } = await h.command('subscribe', { channel: { channel: h.channel(channel) }, time, timezone, ...(count === undefined ? {} : { count }) });
  expect(reply.message?.content).toMatch(/^✅ Daily digest for/);
}

describe('daily digests', () => {
  it('posts once at the local time: the papers, their links and TL;DRs, pinging nobody', async () => {
    console.info(`digest harness start (workspace, index, fake Discord, fake OpenAI, login): ${startMs.toFixed(0)} ms`);
    await subscribe('general', '09:00', 'Europe/Berlin', 4);
    expect(await h.tick('2026-03-02T07:59:59Z')).toEqual([{ channelId: h.channel('general'), outcome: 'not-due' }]);
    expect(h.postsIn('general')).toEqual([]);

    const started = performance.now();
    const [result] = await h.tick('2026-03-02T08:00:00Z'); // 09:00 in Berlin
    const tickMs = performance.now() - started;
    expect(result?.outcome).toBe('posted');
    const posts = h.postsIn('general');
    expect(posts).toHaveLength(1);
    const post = posts[0]!;
    expect(post.status).toBe(200);
    expect(post.message?.allowed_mentions).toEqual({ parse: [] });
    const content = post.message?.content ?? '';
    expect(content.length).toBeLessThanOrEqual(2000);
    expect(content).toMatch(/^📚 \*\*Paper digest · 2026-03-02\*\*/);
    const labels = entryLabels(content);
    expect(labels).toHaveLength(4);
    // Each entry: title or label, a link (in <> so Discord shows no preview) or its source, the model's TL;DR, why.
    expect(content.match(/^TL;DR: LLM summary of .+ in one line\.$/gm)).toHaveLength(4);
    expect(content).not.toMatch(/\[2\]|Let me know/);
    expect(content.match(/^(<https?:\/\/[^>]+>|Source: seed-papers\.jsonl:\d+)$/gm)).toHaveLength(4);
    expect(content).toMatch(/^<https?:\/\/[^>]+>$/m);
    expect(content.match(/^Why: .+$/gm)).toHaveLength(4);
    // The post record holds the papers in entry order.
    const [record] = await h.store.posts(h.channel('general'));
    expect(record).toMatchObject({ localDate: '2026-03-02', status: 'sent', messageIds: [(post.response as { id: string }).id] });
    const papers = new Map((await h.assistant.findPapers('', 100)).map((p) => [p.id, p.title ?? p.label]));
    expect(record?.paperIds.map((id) => papers.get(id))).toEqual(labels);
    console.info(`digest of 4 papers with LLM TL;DRs posted in ${tickMs.toFixed(0)} ms after the tick`);

    expect(await h.tick('2026-03-02T20:00:00Z')).toEqual([{ channelId: h.channel('general'), outcome: 'not-due' }]);
    expect(h.postsIn('general')).toHaveLength(1);
  });

  it('posts nothing more after a restart the same day, and one catch-up post after three days down', async () => {
    const before = h.postsIn('general').length;
    h.setTime('2026-03-02T21:00:00Z');
    await h.restart();
    expect(h.postsIn('general')).toHaveLength(before);

    // Down from 2026-03-02 evening until 2026-03-05 noon (the digests of the 3rd and 4th were missed).
    await h.bot.shutdown();
    h.setTime('2026-03-05T11:00:00Z');
    const restarted = performance.now();
    await h.restart();
    const catchUpMs = performance.now() - restarted;
    const posts = h.postsIn('general');
    expect(posts).toHaveLength(before + 1);
    expect(posts.at(-1)?.message?.content).toMatch(/^📚 \*\*Paper digest · 2026-03-05\*\*/);
    expect((await h.store.posts(h.channel('general'))).map((p) => p.localDate)).toEqual(['2026-03-02', '2026-03-05']);
    expect(await h.tick('2026-03-05T23:00:00Z')).toEqual([{ channelId: h.channel('general'), outcome: 'not-due' }]);
    expect(h.postsIn('general')).toHaveLength(before + 1);
    console.info(`restart after three days down: catch-up digest posted ${catchUpMs.toFixed(0)} ms after start`);
  });

  it('fires at 09:00 New York time on both sides of the DST change', async () => {
    h.setTime('2026-03-06T12:00:00Z');
    await subscribe('ny', '09:00', 'America/New_York', 2);
    const ny = h.channel('ny');
    const job = h.digest.jobs().find((j) => j.channelId === ny);
    expect(job).toMatchObject({ pattern: '0 9 * * *', timeZone: 'America/New_York' });
    expect(job?.cron.nextRun(h.now())?.toISOString()).toBe('2026-03-06T14:00:00.000Z');

    const postedAt = async (day: string, before: string, at: string): Promise<void> => {
      const count = h.postsIn('ny').length;
      expect((await h.tick(before)).find((r) => r.channelId === ny)?.outcome, `${day} before`).toBe('not-due');
      expect((await h.tick(at)).find((r) => r.channelId === ny)?.outcome, `${day} at`).toBe('posted');
      expect(h.postsIn('ny')).toHaveLength(count + 1);
      expect(h.postsIn('ny').at(-1)?.message?.content).toContain(`Paper digest · ${day}`);
    };
    await postedAt('2026-03-07', '2026-03-07T13:59:00Z', '2026-03-07T14:00:00Z'); // EST, UTC−5
    // croner's next run after Saturday's: Sunday 09:00 EDT, an hour earlier in UTC.
    expect(h.digest.jobs().find((j) => j.channelId === ny)?.cron.nextRun(h.now())?.toISOString()).toBe('2026-03-08T13:00:00.000Z');
    await postedAt('2026-03-08', '2026-03-08T12:59:00Z', '2026-03-08T13:00:00Z'); // EDT, UTC−4
    const { reply } = await h.command('status');
    expect(reply.message?.content).toContain('Next: 2026-03-09 09:00 America/New_York (2026-03-09 13:00 UTC)');
    await h.command('unsubscribe', { channel: { channel: ny } });
  });

  it('features every paper once before any repeats, then says a new round starts', async () => {
    h.setTime('2026-03-09T12:00:00Z');
    await subscribe('reading', '07:00', 'UTC', 3);
    const seen: string[] = [];
    // 11 papers, 3 a day: days 1–3 show 9 different papers, day 4 the last 2 and the first of a new round.
    for (const day of ['10', '11', '12']) {
      await h.tick(`2026-03-${day}T07:00:00Z`);
      const content = h.postsIn('reading').at(-1)?.message?.content ?? '';
      expect(content).toContain(`Paper digest · 2026-03-${day}`);
      expect(content).not.toContain(CYCLE_RESTART_NOTE);
      seen.push(...entryLabels(content));
    }
    expect(seen).toHaveLength(9);
    expect(new Set(seen).size).toBe(9);
    await h.tick('2026-03-13T07:00:00Z');
    const last = h.postsIn('reading').at(-1)?.message?.content ?? '';
    expect(last).toContain(CYCLE_RESTART_NOTE);
    const day4 = entryLabels(last);
    expect(day4).toHaveLength(3);
    expect(new Set([...seen, ...day4.slice(0, 2)]).size).toBe(11);
    expect(seen).toContain(day4[2]);
    expect(h.postsIn('reading')).toHaveLength(4);
    await h.command('unsubscribe', { channel: { channel: h.channel('reading') } });
  });

  it('features papers added by a re-index first, as new, without a restart', async () => {
    h.setTime('2026-03-14T12:00:00Z');
    const running = h.bot;
    await subscribe('papers', '08:00', 'UTC', 3);
    await h.tick('2026-03-15T08:00:00Z');
    const first = entryLabels(h.postsIn('papers').at(-1)?.message?.content ?? '');
    expect(first).toHaveLength(3);

    // `npm run index` while the bot runs (same build code, at the test's clock): two papers join the corpus.
    h.setTime('2026-03-15T12:00:00Z');
    const report = await h.reindex([paperLine(1, 'graph sparsification'), paperLine(2, 'protein folding')]);
    expect(report.stats.added).toBe(2);

    await h.tick('2026-03-16T08:00:00Z');
    const content = h.postsIn('papers').at(-1)?.message?.content ?? '';
    const labels = entryLabels(content);
    expect(labels.slice(0, 2).sort()).toEqual(['Fresh paper 1 on graph sparsification', 'Fresh paper 2 on protein folding']);
    expect(content.match(/^\*\*\d\. 🆕 Fresh paper/gm)).toHaveLength(2);
    expect(content).toContain(`Why: ${WHY_NEW}`);
    expect(content).toContain('<https://example.org/fresh-1>');
    expect(first).not.toContain(labels[2]);
    expect(h.bot).toBe(running);
    await h.command('unsubscribe', { channel: { channel: h.channel('papers') } });
  });

  it('records a channel that answers 403 or 404, reports it in /digest status, and still posts elsewhere', async () => {
    h.setTime('2026-03-20T12:00:00Z');
    await subscribe('news', '10:00', 'UTC', 2);
    await subscribe('lab', '10:00', 'UTC', 2);
    await subscribe('reading', '10:00', 'UTC', 2);
    h.fake.failChannel(h.channel('news'), 403);
    h.fake.failChannel(h.channel('lab'), 404);
    const postsBefore = h.postsIn('reading').length;

    const results = await h.tick('2026-03-21T10:00:00Z');
    const outcome = (name: ChannelName) => results.find((r) => r.channelId === h.channel(name))?.outcome;
    expect([outcome('news'), outcome('lab'), outcome('reading'), outcome('general')]).toEqual(['failed', 'failed', 'posted', 'posted']);
    expect(h.postsIn('news').map((c) => c.status)).toEqual([403]);
    expect(h.postsIn('lab').map((c) => c.status)).toEqual([404]);
    expect(h.postsIn('reading')).toHaveLength(postsBefore + 1);
    expect((await h.store.subscription(h.channel('news')))?.lastError).toMatch(/403 Missing Access/);
    expect((await h.store.subscription(h.channel('lab')))?.lastError).toMatch(/404 Unknown Channel/);

    const status = textOf(h.fake.findCalls({ interactionId: (await h.command('status')).reply.interactionId ?? '' }));
    expect(status).toMatch(new RegExp(`<#${h.channel('news')}>[^]*⚠️ Last error \\(2026-03-21 10:00 UTC\\): paperbot may not post in this channel \\(403 Missing Access\\)[^]*tried again at the next run`));
    expect(status).toMatch(new RegExp(`<#${h.channel('lab')}>[^]*⚠️ Last error[^\\n]*404 Unknown Channel`));
    expect(status).toMatch(/Next: 2026-03-22 10:00 UTC/);

    // The next day: access is back for #news, #lab is still gone; nothing was deleted.
    h.fake.failChannel(h.channel('news'), null);
    const next = await h.tick('2026-03-22T10:00:00Z');
    expect(next.find((r) => r.channelId === h.channel('news'))?.outcome).toBe('posted');
    expect(next.find((r) => r.channelId === h.channel('lab'))?.outcome).toBe('failed');
    expect((await h.store.subscription(h.channel('news')))?.lastError).toBeNull();
    expect((await h.store.subscriptions()).map((s) => s.channelId)).toEqual(expect.arrayContaining([h.channel('news'), h.channel('lab')]));
    h.fake.failChannel(h.channel('lab'), null);
    for (const name of ['news', 'lab', 'reading'] as const) await h.command('unsubscribe', { channel: { channel: h.channel(name) } });
  });

  it('falls back to the abstract’s key sentence when the language model fails', async () => {
    // A bot of its own: the first one remembers the TL;DRs it already got for these papers.
    const fresh = await startDigestHarness({ llm: true, start: new Date('2026-03-25T12:00:00Z') });
    try {
      fresh.llm?.setDefault(() => ({ status: 500 }));
      const { reply } = await fresh.command('subscribe', { channel: { channel: fresh.channel('lab') }, time: '06:00', timezone: 'UTC', count: 2 });
      expect(reply.message?.content).toMatch(/^✅/);
      expect((await fresh.tick('2026-03-26T06:00:00Z'))[0]?.outcome).toBe('posted');
      const content = fresh.postsIn('lab').at(-1)?.message?.content ?? '';
      expect(content).toContain('Paper digest · 2026-03-26');
      expect(content.match(/^TL;DR: .+$/gm)).toHaveLength(2);
      const [first] = (await fresh.store.posts(fresh.channel('lab')))[0]?.paperIds ?? [];
      const paper = await fresh.assistant.resolvePaper(first ?? '');
      expect(content).toContain(`TL;DR: ${extractiveTldr(paper?.abstract ?? '')}`);
      expect(fresh.llm?.requests.length).toBe(2);
      expect(fresh.logs.some((l) => l.level === 'warn' && /could not write digest TL;DRs/.test(l.message))).toBe(true);
    } finally {
      await fresh.close();
    }
  });
});
