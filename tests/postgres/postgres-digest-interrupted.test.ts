/**
 * Issue 13: a process that dies mid-claim leaves a record that another process does not re-post and
 * `/digest status` explains, on PostgreSQL too. The bot runs with DATABASE_URL (PGlite on the wire) from
 * before the claim, as the surviving shard or failover instance does; the claim is the row another process
 * on the same database wrote (`sending`) before it was killed. Through the bot and the fake Discord, on an
 * injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStateDatabase } from '../../src/adapters/postgres/postgres-state-database.ts';
import { startDigestHarness, textOf, type DigestHarness } from '../digest/digest-harness.ts';
import { startPgliteServer, type PgliteServer } from '../support/pglite-server.ts';

let server: PgliteServer;
let h: DigestHarness;

beforeAll(async () => {
  server = await startPgliteServer();
  h = await startDigestHarness({ start: new Date('2026-03-02T06:00:00Z') });
  // From here on the bot's state and index are on PostgreSQL; this process started at 06:00.
  await h.restart({ databaseUrl: server.url });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await server?.close();
});

const WARNING = '⚠️ The digest of 2026-03-02 was being posted 2026-03-02 09:30 Europe/Berlin (2026-03-02 08:30 UTC) when paperbot stopped: it may have been posted, in part or whole. It is not posted again, so that no digest is ever posted twice.';

const statusOf = async (channelId: string): Promise<string> => {
  const text = textOf([(await h.command('status')).reply]);
  return text.split('\n\n').find((block) => block.includes(channelId)) ?? '';
};

describe('a digest claim left `sending` on PostgreSQL by a process that was killed', () => {
  it("is explained by another running process's /digest status and not posted by it, nor by a process started after", async () => {
    const papers = h.channel('papers');
    await h.command('subscribe', { channel: { channel: papers }, time: '09:30', timezone: 'Europe/Berlin', count: 2 });
    // The other process, on the same database, claims the day at 09:30 Berlin and is killed before Discord answers.
    h.setTime('2026-03-02T08:30:00Z');
    const other = await PostgresStateDatabase.open({ url: server.url, poolSize: 1, statementTimeoutMs: 10_000 });
    try {
      expect(await other.digests.claimPost({ channelId: papers, guildId: '1', localDate: '2026-03-02', paperIds: ['p1'], pickedAt: h.now() })).toBe(true);
    } finally {
      await other.close();
    }

    // A minute later the other process may still be sending: nothing is said yet.
    h.setTime('2026-03-02T08:31:00Z');
    expect(await statusOf(papers)).not.toContain('was being posted');

    await h.tick('2026-03-02T08:45:00Z');
    expect(h.postsIn('papers')).toEqual([]);
    expect(await statusOf(papers)).toContain(['Last post: none yet', WARNING].join('\n'));

    await h.restart({ databaseUrl: server.url });
    await h.tick('2026-03-02T09:00:00Z');
    expect(h.postsIn('papers')).toEqual([]);
    expect(await statusOf(papers)).toContain(WARNING);
  }, 60_000);
});
