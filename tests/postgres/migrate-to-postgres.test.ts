/**
 * `npm run migrate-to-postgres` (in process, as the script runs it) from a state.sqlite written through the
 * SQLite stores into PGlite on the wire: what the bot's stores read back on PostgreSQL is what they read on
 * SQLite (ids, instants, a digest's failure, votes, settings), and the command refuses, copying nothing,
 * what it must not copy: into a PostgreSQL state that holds data, from a missing, damaged or newer file.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStateDatabase } from '../../src/adapters/postgres/postgres-state-database.ts';
import { StateDatabase } from '../../src/adapters/store/state-database.ts';
import type { DigestStore } from '../../src/core/digest/digest-store.ts';
import type { DigestVoteStore } from '../../src/core/digest/digest-votes.ts';
import type { FeedbackStore } from '../../src/core/feedback/feedback-store.ts';
import type { JobClaimStore } from '../../src/core/jobs/job-runs.ts';
import type { GuildSettingsStore } from '../../src/core/settings/guild-settings.ts';
import { startDigestHarness, textOf } from '../digest/digest-harness.ts';
import { closeAfterEach } from '../support/close-after-each.ts';
import { usePgliteServer, type PgliteServer } from '../support/pglite-server.ts';
import { useWorkspace } from '../support/workspace.ts';

let server: PgliteServer;
usePgliteServer((started) => {
  server = started;
});
const ws = useWorkspace({ model: false });
const track = closeAfterEach<PostgresStateDatabase>();

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'paperbot-migrate-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const stateFile = () => path.join(dataDir, 'state.sqlite');
const migrate = (args: string[] = []) => ws().run('migrate-to-postgres', args, { env: { DATA_DIR: dataDir, DATABASE_URL: server.url } });
const openPostgres = async () => track(await PostgresStateDatabase.open({ url: server.url, poolSize: 2, statementTimeoutMs: 10_000 }));
const T = (iso: string) => new Date(iso);

const EVIDENCE = [{ n: 1, paperId: 'p-famus', title: 'Faster Meta Update Strategy', label: 'FaMUS', url: null, source: 'seed-papers.jsonl:7', quotes: ['We introduce FaMUS.', 'It saves two-thirds of the time.'] }];

/** A state as a bot leaves it: two digests (one sent, one failed), answers with evidence and votes, settings. */
function writeSqliteState(): void {
  const db = StateDatabase.open(stateFile());
  const { digests, feedback, digestVotes, guildSettings, jobClaims } = db;
  digests.saveSubscription({ channelId: 'c1', guildId: 'g1', time: '09:00', timeZone: 'Europe/Berlin', count: 3, topic: 'label noise', userId: 'u1', now: T('2026-03-01T10:00:00.123Z') });
  digests.saveSubscription({ channelId: 'c2', guildId: 'g1', time: '18:30', timeZone: 'America/New_York', count: 5, topic: null, userId: 'u2', now: T('2026-03-01T11:00:00Z') });
  digests.claimPost({ channelId: 'c1', guildId: 'g1', localDate: '2026-03-02', paperIds: ['p-famus', 'p-vasso'], pickedAt: T('2026-03-02T08:00:00Z') });
  digests.completePost({ channelId: 'c1', localDate: '2026-03-02', postedAt: T('2026-03-02T08:00:01.5Z'), messageIds: ['m1'] });
  digests.claimPost({ channelId: 'c2', guildId: 'g1', localDate: '2026-03-02', paperIds: ['p-gamd'], pickedAt: T('2026-03-02T23:30:00Z') });
  digests.failPost({ channelId: 'c2', localDate: '2026-03-02', at: T('2026-03-02T23:30:02Z'), error: 'paperbot may not post in this channel (Missing Access)', messageIds: [] });
  feedback.recordAnswer({ id: 'a1', createdAt: '2026-03-03T12:00:00.000Z', source: 'slash', guildId: 'g1', channelId: 'c1', mode: 'extractive', question: 'What does FaMUS approximate?', answer: 'A layer-wise approximation [1].', paperIds: ['p-famus'], evidence: EVIDENCE });
  feedback.recordAnswer({ id: 'a2', createdAt: '2026-03-03T12:05:00.000Z', source: 'dm', guildId: null, channelId: null, mode: 'refused', question: 'Who won the match?', answer: 'The papers do not cover it.', paperIds: [] });
  feedback.recordVote({ answerId: 'a1', userId: 'u1', vote: 'up', votedAt: '2026-03-03T12:01:00.000Z' });
  feedback.recordVote({ answerId: 'a1', userId: 'u2', vote: 'down', votedAt: '2026-03-03T12:02:00.000Z' });
  digestVotes.recordVote({ channelId: 'c1', paperId: 'p-famus', userId: 'u3', vote: 'up', votedAt: '2026-03-02T09:00:00.000Z' });
  guildSettings.save({ guildId: 'g1', answersPrivate: true, mentionChannels: ['c1', 'c9'], digestTimeZone: 'Europe/Berlin', updatedBy: 'u1', updatedAt: '2026-03-01T09:00:00.000Z' });
  jobClaims.claimRun('arxiv-fetch', '2026-03-02', 'host-a:4711', T('2026-03-02T05:30:00Z'));
  jobClaims.finishRun({ job: 'arxiv-fetch', period: '2026-03-02', holder: 'host-a:4711', at: T('2026-03-02T05:31:10Z'), error: null });
  guildSettings.save({ guildId: 'g2', answersPrivate: false, mentionChannels: null, digestTimeZone: null, updatedBy: 'u4', updatedAt: '2026-03-01T09:30:00.000Z' });
  db.close();
}

interface Stores {
  digests: DigestStore & { posts(channelId: string): unknown };
  feedback: FeedbackStore;
  digestVotes: DigestVoteStore;
  guildSettings: GuildSettingsStore;
  jobClaims: JobClaimStore;
}

/** Everything the bot reads of that state, through the stores' ports. */
async function readState({ digests, feedback, digestVotes, guildSettings, jobClaims }: Stores) {
  return {
    subscriptions: await digests.subscriptions(),
    posts: [await digests.posts('c1'), await digests.posts('c2')],
    history: [await digests.history('c1'), await digests.history('c2')],
    latest: [await digests.latestPostDate('c1'), await digests.latestPostDate('c2')],
    answers: [await feedback.getAnswer('a1'), await feedback.getAnswer('a2')],
    evidence: [await feedback.evidence('a1'), await feedback.evidence('a2')],
    votes: await feedback.votes('a1'),
    summary: await feedback.feedbackSummary('a1'),
    digestVotes: [await digestVotes.channelVotes('c1'), await digestVotes.tally('c1'), await digestVotes.postedPapers('c1', '2026-03-02')],
    settings: [await guildSettings.get('g1'), await guildSettings.get('g2')],
    jobs: await jobClaims.lastRun('arxiv-fetch'),
  };
}

describe('npm run migrate-to-postgres', () => {
  it('copies every table of state.sqlite into PostgreSQL, where the stores read back exactly what they read on SQLite, and says what it copied', async () => {
    writeSqliteState();
    const sqlite = StateDatabase.open(stateFile());
    const expected = await readState(sqlite);
    const tables = sqlite.snapshot().tables.map((t) => t.name);
    sqlite.close();

    const result = await migrate();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Copied the state from ${stateFile()} to postgres://postgres@127.0.0.1:${server.port}/postgres, in one transaction:`);
    expect(result.stdout).toMatch(/^ {2}digest_subscriptions +2 rows$/m);
    expect(result.stdout).toMatch(/^ {2}digest_posts +2 rows$/m);
    expect(result.stdout).toMatch(/^ {2}answers +2 rows$/m);
    expect(result.stdout).toMatch(/^ {2}answer_evidence +1 row$/m);
    expect(result.stdout).toMatch(/^ {2}feedback +2 rows$/m);
    expect(result.stdout).toMatch(/^ {2}digest_votes +1 row$/m);
    expect(result.stdout).toMatch(/^ {2}guild_settings +2 rows$/m);
    expect(result.stdout).toMatch(/^ {2}job_runs +1 row$/m);
    // Every table of the file is listed (a table a later migration adds is copied too).
    for (const table of tables) expect(result.stdout).toMatch(new RegExp(`^ {2}${table} +\\d+ rows?$`, 'm'));
    expect(result.stdout).toContain('Checked after COMMIT: each table holds as many rows in PostgreSQL as in state.sqlite (13 in all).');
    expect(result.stdout).toContain('The index is not copied: build it from the corpus into PostgreSQL with `DATABASE_URL=… npm run index` (or run this command with --index).');
    // The data folder's lock was held only while copying.
    expect(existsSync(path.join(dataDir, 'bot.lock'))).toBe(false);

    const postgres = await openPostgres();
    const copied = await readState(postgres);
    expect(copied).toEqual(expected);
    // Not vacuous: the failure, the 'sent' post and the instants to the millisecond are all there.
    expect(copied.subscriptions.map((s) => [s.channelId, s.createdAt, s.lastError])).toEqual([
      ['c1', '2026-03-01T10:00:00.123Z', null],
      ['c2', '2026-03-01T11:00:00.000Z', 'paperbot may not post in this channel (Missing Access)'],
    ]);
    expect(copied.posts.flat()).toMatchObject([
      { channelId: 'c1', status: 'sent', postedAt: '2026-03-02T08:00:01.500Z', messageIds: ['m1'] },
      { channelId: 'c2', status: 'failed', postedAt: null, error: 'paperbot may not post in this channel (Missing Access)' },
    ]);
    expect(copied.evidence[0]).toEqual(EVIDENCE);
    expect(copied.settings[0]).toMatchObject({ answersPrivate: true, mentionChannels: ['c1', 'c9'] });
    expect(copied.jobs).toBeDefined();
    // The copied state goes on working: a day already claimed on SQLite is not claimed again on PostgreSQL.
    expect(await postgres.digests.claimPost({ channelId: 'c1', guildId: 'g1', localDate: '2026-03-02', paperIds: ['x'], pickedAt: T('2026-03-02T09:00:00Z') })).toBe(false);
  });

  it('refuses a second run, copying nothing, and says how to empty the PostgreSQL state', async () => {
    writeSqliteState();
    expect((await migrate()).code).toBe(0);
    const postgres = await openPostgres();
    await postgres.feedback.recordVote({ answerId: 'a2', userId: 'u9', vote: 'up', votedAt: '2026-03-04T00:00:00.000Z' });

    const again = await migrate();
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      /^The PostgreSQL state at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres already holds data \(answer_evidence 1, answers 2, digest_posts 2, digest_subscriptions 2, digest_votes 1, feedback 3, guild_settings 2, job_runs 1 rows\), so nothing was copied: .* empty it first: psql "\$DATABASE_URL" -c 'TRUNCATE answer_evidence, answers, /,
    );
    // Nothing of the second run was written: the vote made on PostgreSQL since is still there, once.
    expect(await postgres.feedback.votes('a2')).toHaveLength(1);

    // Emptied as the sentence says, the copy goes through again.
    const truncate = /-c '(TRUNCATE [^']+)'/.exec(again.stderr)?.[1];
    expect(truncate).toBeDefined();
    await postgres.pool.query(truncate ?? '');
    expect((await migrate()).code).toBe(0);
    expect(await postgres.feedback.votes('a2')).toEqual([]);
  });

  it('refuses a missing, a damaged and a newer state.sqlite in one sentence each, a bot running on the data folder, and a missing DATABASE_URL', async () => {
    const missing = await migrate();
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`There is no state database at ${stateFile()} to copy: set DATA_DIR to the data folder of the install you are moving.`);

    writeFileSync(stateFile(), 'this is not an SQLite file, but some text long enough to be read as a header of one'.repeat(20));
    const damaged = await migrate();
    expect(damaged.code).toBe(1);
    expect(damaged.stderr.trim()).toMatch(new RegExp(`^The state database ${escape(stateFile())} is damaged \\(.+\\): it holds the digest subscriptions and the feedback on answers, so paperbot leaves it as it is;`));

    rmSync(stateFile());
    writeSqliteState();
    const file = new Database(stateFile());
    file.pragma('user_version = 99');
    file.close();
    const newer = await migrate();
    expect(newer.code).toBe(1);
    expect(newer.stderr.trim()).toMatch(/was written by a newer paperbot \(schema version 99; this version knows up to \d+\)\. Update paperbot/);

    // A bot running on the data folder (its lock held by a live process) would write after the snapshot.
    writeFileSync(path.join(dataDir, 'bot.lock'), `${process.ppid}\n`);
    const botRunning = await migrate();
    expect(botRunning.code).toBe(1);
    expect(botRunning.stderr.trim()).toMatch(new RegExp(`^Another paperbot bot \\(process ${process.ppid}\\) is running on ${escape(dataDir)}: stop it first`));
    rmSync(path.join(dataDir, 'bot.lock'));

    const noUrl = await ws().run('migrate-to-postgres', [], { env: { DATA_DIR: dataDir } });
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr.trim()).toBe('DATABASE_URL is not set: migrate-to-postgres copies the state into the PostgreSQL database it names (postgres://user:password@host:5432/paperbot).');
    // None of the refusals wrote anything into PostgreSQL.
    expect(await readState(await openPostgres())).toMatchObject({ subscriptions: [], answers: [undefined, undefined] });
  });

  it('with --index, builds the index from the corpus into PostgreSQL after the copy, so `ask` answers from PostgreSQL at once', async () => {
    writeSqliteState();
    const env = { DATA_DIR: dataDir, DATABASE_URL: server.url, EMBEDDINGS: 'lexical' };
    const result = await ws().run('migrate-to-postgres', ['--index'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`The index is not copied: building it from the corpus (${ws().corpusDir}) into PostgreSQL …`);
    expect(result.stdout).toMatch(/Indexed 11 papers/);
    const asked = await ws().run('ask', ['--json', 'What does FaMUS approximate to save training time?'], { env });
    expect(asked.code).toBe(0);
    const answer = JSON.parse(asked.stdout) as { mode: string; citations: { source: string }[] };
    expect(answer.mode).toBe('extractive');
    expect(answer.citations.map((c) => c.source)).toContain('seed-papers.jsonl:7');
  });

  it('says what it does with --help', async () => {
    const help = await ws().run('migrate-to-postgres', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run migrate-to-postgres');
    expect(help.stdout).toContain('into the empty PostgreSQL database of DATABASE_URL, in one transaction');
  });
});

describe('a bot moved to PostgreSQL with migrate-to-postgres', () => {
  it('still knows its digest subscription and what it posted: /digest status shows both, today is not posted again, tomorrow is', async () => {
    const h = await startDigestHarness();
    try {
      await h.command('subscribe', { channel: { channel: h.channel('papers') }, time: '09:00', timezone: 'Europe/Berlin', count: 2 });
      await h.tick('2026-03-02T08:00:30Z');
      const postedOnSqlite = h.postsIn('papers').length;
      expect(postedOnSqlite).toBeGreaterThan(0);

      const moved = await h.ws.run('migrate-to-postgres', [], { env: { DATABASE_URL: server.url } });
      expect(moved.stderr).toBe('');
      expect(moved.code).toBe(0);
      // The bot starts again with DATABASE_URL, its index built there from the same corpus (README step 4).
      await h.restart({ databaseUrl: server.url });

      const status = textOf([(await h.command('status')).reply]);
      expect(status).toContain(`**<#${h.channel('papers')}>** · 2 papers every day at 09:00 Europe/Berlin`);
      expect(status).toContain('Last post: the digest of 2026-03-02, posted 2026-03-02 09:00 Europe/Berlin');
      await h.tick('2026-03-02T15:00:00Z');
      expect(h.postsIn('papers')).toHaveLength(postedOnSqlite);
      await h.tick('2026-03-03T08:00:30Z');
      expect(h.postsIn('papers').length).toBeGreaterThan(postedOnSqlite);
      const postgres = await openPostgres();
      expect((await postgres.digests.posts(h.channel('papers'))).map((p) => [p.localDate, p.status])).toEqual([
        ['2026-03-02', 'sent'],
        ['2026-03-03', 'sent'],
      ]);
    } finally {
      await h.close();
    }
  }, 60_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
