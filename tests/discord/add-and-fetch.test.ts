/**
 * `/add` and the daily arXiv fetch through the real bot (fake Discord, fake arXiv, createApp as `npm start`
 * builds it): papers land in the corpus, the running bot finds them without a restart, /about tells.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageFlags, PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeArxiv, type FakeArxiv } from '../../src/dev/fake-arxiv.ts';
import type { RecordedCall } from '../support/fake-discord.ts';
import { ADMIN } from '../digest/digest-harness.ts';
import { arxivPaper } from '../sources/arxiv-fixtures.ts';
import { startHarness, type Harness } from './harness.ts';

let arxiv: FakeArxiv;
beforeAll(async () => {
  arxiv = await startFakeArxiv();
});
afterAll(async () => arxiv.close());

const arxivEnv = (): Record<string, string> => ({ ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_API_URL: arxiv.apiUrl, ARXIV_MIN_INTERVAL_MS: '0' });

const zebra = arxivPaper(1, {
  title: 'Quasiperiodic Zebra Tokenizers',
  abstract: 'We introduce quasiperiodic zebra tokenizers, a tokenization scheme that alternates stripes of characters and bytes, and evaluate it on machine translation.',
});

/** A paper of a hand-written file known only by its DOI (no arXiv id). */
const heldByDoi = JSON.stringify({
  title: 'Zebra Stripes as Error-Correcting Codes',
  doi: '10.1000/zebra.7',
  abstract: 'We show that the stripes of zebras form an error-correcting code, and measure its distance on photographs of two hundred animals in the wild.',
});

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('/add', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ llm: false, env: arxivEnv(), extraCorpus: [heldByDoi] });
  }, 30_000);
  afterAll(async () => h.close());

  const add = async (paper: string, admin = true): Promise<RecordedCall> => {
    const ix = await h.fake.interaction({ name: 'add', options: { paper }, ...(admin ? { memberPermissions: ADMIN } : {}) });
    // The reply itself, or the edit of a deferred reply: the first call of this interaction with a message.
    return h.fake.waitForCall((c) => c.interactionId === ix.id && c.message !== null, 8000);
  };
  const addedLines = (): string[] => {
    const file = path.join(h.ws.corpusDir, 'added', 'arxiv.jsonl');
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
  };

  it('is registered for servers only, for members with Manage Server', () => {
    const command = h.fake.commands('1').find((c) => c.name === 'add');
    expect(command?.default_member_permissions).toBe(PermissionFlagsBits.ManageGuild.toString());
    expect(command?.contexts).toEqual([0]);
  });

  it('refuses a member without Manage Server, privately, and writes nothing', async () => {
    const reply = await add('2612.00001', false);
    expect(reply.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: '🔒 Adding papers needs the **Manage Server** permission in this server.' });
    expect(addedLines()).toEqual([]);
  });

  it('fetches the paper by id, adds it to a file of its own, indexes it and shows its card; the bot finds it at once', async () => {
    arxiv.setApiPapers([zebra]);
    const reply = await add('https://arxiv.org/abs/2612.00001v1');
    expect(reply.message?.content).toBe('✅ Added arXiv:2612.00001 to the corpus and indexed it.');
    expect(reply.message?.embeds?.[0]?.title).toBe('Quasiperiodic Zebra Tokenizers');
    expect(addedLines().map((l) => (JSON.parse(l) as { arxiv_id: string }).arxiv_id)).toEqual(['2612.00001']);
    expect((await h.assistant.resolvePaper('zebra tokenizers'))?.id).toBe('arxiv:2612.00001');
  });

  it('says a paper is already there, with its card, without asking arXiv', async () => {
    const asked = arxiv.requests.length;
    const reply = await add('10.48550/arXiv.2612.00001');
    expect(reply.message?.content).toBe('arXiv:2612.00001 is already in the corpus.');
    expect(reply.message?.embeds?.[0]?.title).toBe('Quasiperiodic Zebra Tokenizers');
    expect(arxiv.requests.length).toBe(asked);
    expect(addedLines()).toHaveLength(1);
  });

  it('recognizes a paper the corpus holds under its DOI, and writes nothing', async () => {
    arxiv.setApiPapers([arxivPaper(7, { doi: '10.1000/Zebra.7' })]);
    const reply = await add('2612.00007');
    expect(reply.message?.content).toBe('arXiv:2612.00007 is already in the corpus.');
    expect(reply.message?.embeds?.[0]?.title).toBe('Zebra Stripes as Error-Correcting Codes');
    expect(addedLines()).toHaveLength(1);
  });

  it('writes the paper and says so when another process holds the index build lock', async () => {
    arxiv.setApiPapers([zebra, arxivPaper(3)]);
    const lock = path.join(h.config.indexDir, 'build.lock');
    // A live process id (this one) holding the lock, as a running `npm run index` would.
    writeFileSync(lock, String(process.pid));
    try {
      const reply = await add('2612.00003');
      expect(reply.message?.content).toBe('✅ Added arXiv:2612.00003 to the corpus; it becomes searchable after the next index update (another index build is running).');
    } finally {
      rmSync(lock, { force: true });
    }
    expect(addedLines()).toHaveLength(2);
  });

  it('answers an unknown id, a DOI without arXiv, and a rate-limited arXiv in one sentence each, writing nothing', async () => {
    expect((await add('2612.09999')).message?.content).toBe('arXiv has no paper 2612.09999 (arXiv does not know arXiv:2612.09999); nothing was added.');
    expect((await add('10.1145/3292500.3330701')).message?.content).toBe("10.1145/3292500.3330701 is not an arXiv DOI (10.48550/arXiv.…): give the paper's arXiv id or URL instead.");
    arxiv.script({ status: 429, headers: { 'retry-after': '3600' } });
    expect((await add('2612.00002')).message?.content).toBe('arXiv is rate-limiting paperbot (429) and asks to wait 3600 s; try again later.');
    expect(addedLines()).toHaveLength(2);
  });
});

describe('the daily arXiv fetch in the bot', () => {
  let h: Harness;
  beforeAll(async () => {
    arxiv.setFeed('2026-12-02', [zebra, arxivPaper(2, { categories: ['stat.ML'] })]);
    h = await startHarness({ llm: false, env: { ...arxivEnv(), ARXIV_CATEGORIES: 'cs.LG,stat.ML' } });
  }, 30_000);
  afterAll(async () => h.close());

  it('fetches at start when it never has, indexes, and the running bot finds the papers; /about says when and how many', async () => {
    await until(() => h.assistant.resolvePaper('zebra tokenizers'), 'the fetched paper in the index');
    expect(arxiv.requests.some((r) => r.path === '/rss/cs.LG+stat.ML')).toBe(true);
    expect(existsSync(path.join(h.ws.corpusDir, 'arxiv', 'stat.ML', '2026-12.jsonl'))).toBe(true);
    // The end of the fetch, recorded in the state.
    await expect.poll(async () => (await h.state.jobClaims.lastRun('arxiv-fetch'))?.status, { timeout: 8000 }).toBe('finished');
    const ix = await h.fake.interaction({ name: 'about' });
    const about = (await h.fake.waitForCall({ interactionId: ix.id })).message?.content ?? '';
    expect(about).toMatch(/^Papers fetched <t:\d+:f> \(<t:\d+:R>\): 2 new, 0 updated \(arXiv cs\.LG, stat\.ML\); daily from arXiv cs\.LG, stat\.ML$/m);
    // Which process fetched, from the claim in the state every bot process shares.
    expect(about).toMatch(/^Daily fetch of \d{4}-\d{2}-\d{2}: started <t:\d+:f> \(<t:\d+:R>\) by \S+ pid \d+, finished <t:\d+:f> \(<t:\d+:R>\)$/m);
    expect(about).toMatch(/^Corpus: 13 papers/m);
  });
});
