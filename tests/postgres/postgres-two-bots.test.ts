/**
 * Two bot processes (`npm start` twice, each its own pools) with DATABASE_URL on one PostgreSQL, against the
 * fake Discord: both start on the same data folder (with DATABASE_URL the database, not `bot.lock`, keeps
 * them from doing a thing twice), answer from the index built there, and a digest missed while both were
 * down is posted exactly once when both start together; the day's record in PostgreSQL says it was sent. What decides is the claim's unique (channel, local date) row,
 * `INSERT … ON CONFLICT DO NOTHING`: a guarantee one PGlite session enforces exactly as separate sessions do,
 * so pglite-socket multiplexing both processes' connections over its one session does not weaken the test.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStateDatabase } from '../../src/adapters/postgres/postgres-state-database.ts';
import { localDate } from '../../src/core/digest/schedule.ts';
import { TOKEN } from '../digest/digest-harness.ts';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.ts';
import { startPgliteServer, type PgliteServer } from '../support/pglite-server.ts';
import { zoneWithDaylight } from '../support/zone-with-daylight.ts';
import type { ScriptProcess } from '../support/script-process.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';

let ws: Workspace;
let fake: FakeDiscord;
let server: PgliteServer;
const children: ScriptProcess[] = [];

beforeAll(async () => {
  [ws, fake, server] = await Promise.all([
    makeWorkspace(),
    startFakeDiscord({ token: TOKEN, guilds: [{ id: '1', name: 'Paper Club', channels: ['general', 'digest'] }] }),
    startPgliteServer({ maxConnections: 20 }),
  ]);
  const built = await ws.run('index', [], { env: { DATABASE_URL: server.url } });
  expect(built.code, built.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const child of children) await child.killGroup();
  await fake?.close();
  await server?.close();
  await ws?.cleanup();
});


function startBot(): ScriptProcess {
  const bot = ws.start('main', [], {
    env: { DATABASE_URL: server.url, DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl, DATABASE_POOL_SIZE: '2', SHUTDOWN_GRACE_MS: '2000', LOG_LEVEL: 'info' },
  });
  children.push(bot);
  return bot;
}

describe('two bot processes on one PostgreSQL database', () => {
  it('post a digest missed while they were down exactly once, whichever claims it first', async () => {
    const now = new Date();
    const zone = zoneWithDaylight(now);
    const channelId = fake.channel('digest').id;
    const state = await PostgresStateDatabase.open({ url: server.url, poolSize: 1, statementTimeoutMs: 10_000 });
    await state.digests.saveSubscription({ channelId, guildId: '1', time: '00:30', timeZone: zone, count: 2, topic: null, userId: '42', now: new Date(now.getTime() - 2 * 86_400_000) });

    const bots = [startBot(), startBot()];
    await Promise.all(bots.map((bot) => bot.waitForStderr('digest catch-up done', 60_000)));
    const posted = bots.map((bot) => Number(/"posted":(\d+)[^\n]*digest catch-up done/.exec(bot.stderr())?.[1]));
    expect(posted.sort()).toEqual([0, 1]);
    expect(existsSync(path.join(ws.dataDir, 'index'))).toBe(false);
    for (const bot of bots) bot.child.kill('SIGTERM');
    expect((await Promise.all(bots.map((bot) => bot.exited))).map((exit) => exit.code)).toEqual([0, 0]);

    const posts = fake.findCalls({ route: 'POST /channels/:channelId/messages', channelId });
    expect(posts).toHaveLength(1);
    expect(posts[0]?.message?.content).toContain(`Paper digest · ${localDate(now, zone)}`);
    expect((await state.digests.posts(channelId)).map((p) => [p.localDate, p.status])).toEqual([[localDate(now, zone), 'sent']]);
    await state.close();
    for (const bot of bots) {
      expect(bot.stderr()).not.toContain(TOKEN);
      expect(bot.stderr()).not.toMatch(/unhandled/i);
    }
  }, 120_000);
});
