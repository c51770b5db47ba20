import path from 'node:path';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { startFakeArxiv, type FakeArxiv } from '../../src/dev/fake-arxiv.ts';
import { RecordingLogger } from '../../src/dev/recording-logger.ts';
import { renderFetchStatus } from '../../src/discord/render/source-messages.ts';
import { startPgliteServer } from '../support/pglite-server.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';
import { arxivPaper } from './arxiv-fixtures.ts';

let fake: FakeArxiv;
beforeAll(async () => {
  fake = await startFakeArxiv();
});
afterAll(async () => fake.close());

/** An app as `npm start` builds it, on a workspace, with its clock at `clock.now` and the fetch job paused. */
async function dailyApp(env: Record<string, string> = {}, on?: Workspace, databaseUrl?: string): Promise<{ ws: Workspace; app: App; clock: { now: Date }; logger: RecordingLogger }> {
  const ws = on ?? (await makeWorkspace({ model: false }));
  const clock = { now: new Date('2026-12-02T12:00:00Z') };
  const logger = new RecordingLogger();
  const config = parseConfig({ ...ws.env, EMBEDDINGS: 'lexical', ARXIV_RSS_URL: fake.rssUrl, ARXIV_API_URL: fake.apiUrl, ARXIV_MIN_INTERVAL_MS: '0', ARXIV_CATEGORIES: 'cs.LG', ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }), ...env }, ws.dir);
  const app = createApp(config, { logger, now: () => clock.now, pauseFetchJobs: true });
  return { ws, app, clock, logger };
}

async function until(probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("the bot's daily arXiv fetch", () => {
  it('is off without ARXIV_CATEGORIES', async () => {
    const { ws, app } = await dailyApp({ ARXIV_CATEGORIES: '' });
    expect(app.dailyFetch()).toBeNull();
    await app.close();
    await ws.cleanup();
  });

  it('runs every day at 00:30 New York time, fetches at start when it never has, then again the next day; a failure is kept for /about and never thrown', async () => {
    const { ws, app, clock, logger } = await dailyApp();
    try {
      const daily = app.dailyFetch();
      if (daily === null) throw new Error('expected a daily fetch');
      expect(daily.pattern).toBe('30 0 * * *');

      fake.setFeed('2026-12-02', [arxivPaper(1)]);
      daily.start();
      const next = daily.nextRun();
      expect(next && new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('00:30');
      await until(() => app.arxiv().status().lastFetch !== null, 'the fetch at start');
      await daily.stop();
      expect(app.arxiv().status().lastFetch).toMatchObject({ added: 1, categories: ['cs.LG'] });
      expect(existsSync(path.join(ws.dataDir, 'index'))).toBe(true);

      // The next day's job: the new paper is added and indexed; searching finds it.
      clock.now = new Date('2026-12-03T05:30:00Z');
      fake.setFeed('2026-12-03', [arxivPaper(2, { title: 'Quasiperiodic zebra tokenizers', abstract: 'We introduce quasiperiodic zebra tokenizers, a tokenization scheme that alternates stripes of characters and bytes, and evaluate it on translation.' })]);
      expect(await daily.run()).toMatchObject({ added: 1, requests: 1 });
      const assistant = await app.assistant();
      expect((await assistant.resolvePaper('zebra tokenizers'))?.id).toBe('arxiv:2612.00002');

      // A failure the day after: logged, kept, shown; the job returns normally.
      clock.now = new Date('2026-12-04T05:30:00Z');
      fake.script({ status: 429, headers: { 'retry-after': '3600' } });
      expect(await daily.run()).toBeNull();
      expect(logger.lines.some((l) => l.level === 'error' && l.message === 'daily arXiv fetch failed')).toBe(true);
      const about = renderFetchStatus(app.arxiv().status(), ['cs.LG']);
      expect(about).toEqual([
        expect.stringMatching(/^Papers fetched <t:\d+:f> \(<t:\d+:R>\): 1 new, 0 updated \(arXiv cs\.LG\); daily from arXiv cs\.LG$/),
        expect.stringMatching(/^⚠️ Last fetch failed <t:\d+:f> \(<t:\d+:R>\): arXiv is rate-limiting paperbot \(429\) and asks to wait 3600 s; try again later\.$/),
      ]);
    } finally {
      await app.close();
      await ws.cleanup();
    }
  });

  it('does not fetch at start when the last fetch is less than a day old', async () => {
    const { ws, app } = await dailyApp();
    try {
      await app.arxiv().log.update((data) => {
        data.lastFetch = { at: '2026-12-02T05:30:00Z', categories: ['cs.LG'], added: 3, updated: 0 };
      });
      const asked = fake.requests.length;
      app.dailyFetch()?.start();
      await sleep(50);
      await app.dailyFetch()?.stop();
      expect(fake.requests.length).toBe(asked);
    } finally {
      await app.close();
      await ws.cleanup();
    }
  });

  // On one state.sqlite the two share a data folder; on PostgreSQL they stand for two machines, a data folder each.
  it.each([
    { state: 'state.sqlite', postgres: false },
    { state: 'PostgreSQL', postgres: true },
  ])('fetches once a day however many bot processes share the state ($state): one asks arXiv, the others log (info) that it was done elsewhere', async ({ postgres }) => {
    const server = postgres ? await startPgliteServer() : undefined;
    const first = await dailyApp({}, undefined, server?.url);
    const second = await dailyApp({}, postgres ? undefined : first.ws, server?.url);
    try {
      fake.setFeed('2026-12-02', [arxivPaper(11)]);
      const asked = fake.requests.length;
      const daily = [first.app.dailyFetch(), second.app.dailyFetch()];
      const reports = await Promise.all(daily.map((d) => d?.run()));
      expect(fake.requests.length - asked).toBe(1);
      expect(reports.filter((r) => r?.added === 1)).toHaveLength(1);
      const skipped = reports.find((r) => r?.added !== 1);
      expect(skipped?.note).toMatch(/^the fetch of 2026-12-02 was claimed by \S+ pid \d+ \(started 2026-12-02T12:00:00\.000Z, (started|finished)\)$/);
      const logs = [...first.logger.lines, ...second.logger.lines];
      expect(logs.filter((l) => l.message === 'the daily arXiv fetch of this day was done elsewhere: not fetching').map((l) => l.level)).toEqual(['info']);
      expect(logs.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
      expect(await first.app.dailyFetch()?.lastRun()).toMatchObject({ job: 'arxiv-fetch', period: '2026-12-02', status: 'finished' });
    } finally {
      await second.app.close();
      await first.app.close();
      await first.ws.cleanup();
      if (postgres) await second.ws.cleanup();
      await server?.close();
    }
  }, 30_000);

  it('catches up at start through the claim: a day another process started and died in is not fetched again, the next day is; /about says who started the last fetch and whether it finished', async () => {
    const { ws, app, clock } = await dailyApp();
    try {
      // Another process, elsewhere (its own data folder, so no fetch log here), claimed today and died mid-fetch.
      await (await app.state()).jobClaims.claimRun('arxiv-fetch', '2026-12-02', 'other-host pid 4711', new Date('2026-12-02T05:30:00Z'));
      fake.setFeed('2026-12-02', [arxivPaper(21)]);
      const asked = fake.requests.length;
      const daily = app.dailyFetch();
      daily?.start();
      await daily?.stop();
      expect(fake.requests.length).toBe(asked);
      const about = async () => renderFetchStatus(app.arxiv().status(), ['cs.LG'], await daily?.lastRun());
      expect((await about()).at(-1)).toMatch(/^Daily fetch of 2026-12-02: started <t:1796189400:f> \(<t:1796189400:R>\) by other-host pid 4711, not finished \(still running, or that process stopped before the end\)$/);

      clock.now = new Date('2026-12-03T05:30:00Z');
      fake.setFeed('2026-12-03', [arxivPaper(22)]);
      expect(await daily?.run()).toMatchObject({ added: 1, requests: 1 });
      expect((await about()).at(-1)).toMatch(/^Daily fetch of 2026-12-03: started <t:1796275800:f> \(<t:1796275800:R>\) by \S+ pid \d+, finished <t:1796275800:f> \(<t:1796275800:R>\)$/);
    } finally {
      await app.close();
      await ws.cleanup();
    }
  });
});
