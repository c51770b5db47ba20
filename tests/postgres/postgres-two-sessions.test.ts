/**
 * Two bot processes on one database with one token, both connected as the same shard: Discord sends every
 * event of that shard to both sessions (the fake does too). Each interaction and each message to answer is
 * claimed in the shared state first, so exactly one of them answers it; without the claim a mention got two
 * answers and one of the two /ask replies was refused by Discord (40060, already acknowledged). Two whole apps
 * from createApp in this process stand for the two processes (the spawned pair is tests/postgres/postgres-two-bots.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askSlash, restErrors, startHarness, type Harness } from '../discord/harness.ts';
import { startPgliteServer, type PgliteServer } from '../support/pglite-server.ts';
import type { PaperBot } from '../../src/discord/bot.ts';

let server: PgliteServer;
let h: Harness;
let second: PaperBot;

beforeAll(async () => {
  server = await startPgliteServer({ maxConnections: 20 });
  h = await startHarness({ llm: false, env: { DATABASE_URL: server.url, DATABASE_POOL_SIZE: '2' } });
  second = await h.startBot();
}, 120_000);

afterAll(async () => {
  await h?.close();
  await server?.close();
});

/** Waits until neither bot has work in flight. */
async function bothIdle(): Promise<void> {
  const deadline = performance.now() + 15_000;
  while (h.bot.busy > 0 || second.busy > 0) {
    if (performance.now() > deadline) throw new Error('the two bots did not finish within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('two bot processes on one database, both connected as shard 0', () => {
  it('both receive a mention, and it is answered once', async () => {
    const question = await h.fake.message({ content: 'What does FaMUS approximate to save training time?', mentionsBot: true });
    await h.fake.waitForCall({ route: 'POST /channels/:channelId/messages/:messageId/threads', path: new RegExp(`/messages/${question.id}/threads$`) }, 15_000);
    await bothIdle();
    const threads = h.fake.findCalls({ route: 'POST /channels/:channelId/messages/:messageId/threads' }).filter((c) => c.path.includes(`/messages/${question.id}/threads`));
    expect(threads).toHaveLength(1);
    expect(h.fake.dispatches.filter((d) => d.event === 'MESSAGE_CREATE').length).toBeGreaterThanOrEqual(2);
  });

  it('answers an /ask once, with no reply refused by Discord', async () => {
    const asked = await askSlash(h.fake, 'What does FaMUS approximate?', {}, 15_000);
    await bothIdle();
    const calls = asked.calls();
    expect(calls.filter((c) => c.route === 'POST /interactions/:interactionId/:token/callback')).toHaveLength(1);
    expect(restErrors(calls)).toEqual([]);
  });
});
