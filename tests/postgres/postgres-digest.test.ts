/**
 * The daily digest on PostgreSQL, as several bot processes sharing one database run it: each process its
 * own DigestService on its own pool (the real scheduler, composer and claim), one PGlite on the wire. A
 * channel's day is posted once whichever process gets there first, and a process that died while sending
 * leaves a claim the others respect. (PGlite has one session: what decides here is the claim's unique key,
 * the same thing that decides between real sessions.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStateDatabase } from '../../src/adapters/postgres/postgres-state-database.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { candidates, recordingSender, subscribe } from '../../src/digest/digest.fixture.ts';
import type { DigestSender } from '../../src/digest/digest-sender.ts';
import { DigestService } from '../../src/digest/digest-service.ts';
import { usePgliteServer, type PgliteServer } from '../support/pglite-server.ts';

let server: PgliteServer;
const clock = { now: new Date('2026-03-02T06:00:00Z') };
const opened: Array<{ db: PostgresStateDatabase; service: DigestService }> = [];

usePgliteServer((started) => {
  server = started;
});
beforeEach(() => {
  clock.now = new Date('2026-03-02T06:00:00Z');
});
afterEach(async () => {
  for (const { db, service } of opened.splice(0)) {
    await service.stop();
    await db.close();
  }
});

/** A bot process: its own pool to the shared database, its own digest service and sender. */
async function botProcess(sender: DigestSender = recordingSender()): Promise<{ db: PostgresStateDatabase; service: DigestService }> {
  const db = await PostgresStateDatabase.open({ url: server.url, poolSize: 2, statementTimeoutMs: 10_000 });
  const service = new DigestService({
    store: db.digests,
    votes: db.digestVotes,
    candidates: { digestCandidates: candidates },
    sender,
    logger: silentLogger,
    now: () => clock.now,
    pauseJobs: true,
  });
  opened.push({ db, service });
  return { db, service };
}

describe('the digest on one PostgreSQL database shared by several processes', () => {
  it('posts a channel’s day exactly once, whichever process runs it first, and the next day once again', async () => {
    const senders = [recordingSender(), recordingSender(), recordingSender()];
    const processes = await Promise.all(senders.map((sender) => botProcess(sender)));
    const [first] = processes;
    await subscribe(first!.service, 'c1');

    clock.now = new Date('2026-03-02T08:00:00Z'); // 09:00 in Berlin
    const runs = (await Promise.all(processes.map((p) => p.service.scheduler.tick()))).flat();
    expect(runs.filter((r) => r.outcome === 'posted')).toHaveLength(1);
    expect(senders.flatMap((s) => s.sent)).toHaveLength(1);

    clock.now = new Date('2026-03-02T20:00:00Z');
    await Promise.all(processes.map((p) => p.service.scheduler.tick()));
    expect(senders.flatMap((s) => s.sent)).toHaveLength(1);
    expect(await first!.db.digests.posts('c1')).toMatchObject([{ localDate: '2026-03-02', status: 'sent' }]);

    clock.now = new Date('2026-03-03T08:00:00Z');
    await Promise.all(processes.map((p) => p.service.scheduler.tick()));
    expect(senders.flatMap((s) => s.sent).map((part) => part.localDate)).toEqual(['2026-03-02', '2026-03-03']);
  });

  it('never posts a day a process claimed and died while sending; another process posts the next day', async () => {
    let release: () => void = () => {};
    const hanging: DigestSender = { ...recordingSender(), send: () => new Promise((_resolve, reject) => (release = () => reject(new Error('process killed')))) };
    const dying = await botProcess(hanging);
    await subscribe(dying.service, 'c1');
    clock.now = new Date('2026-03-02T08:00:00Z');
    const stuck = dying.service.scheduler.tick();
    await expect.poll(async () => (await dying.db.digests.posts('c1'))[0]?.status).toBe('sending');

    const sender = recordingSender();
    const other = await botProcess(sender);
    clock.now = new Date('2026-03-02T12:00:00Z');
    expect(await other.service.scheduler.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    expect(sender.sent).toEqual([]);
    release();
    await stuck;

    clock.now = new Date('2026-03-03T08:00:00Z');
    expect((await other.service.scheduler.tick())[0]).toMatchObject({ outcome: 'posted', localDate: '2026-03-03' });
    expect(sender.sent).toHaveLength(1);
  });
});
