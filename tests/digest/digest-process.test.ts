/**
 * Digests in the real bot process (`npm start` as a child process, real clock) against the fake Discord and
 * the fake OpenAI server: a subscription whose time passed today while the bot was down is posted once at
 * start (the catch-up, with TL;DRs from the configured model), and a second process started the same day
 * posts nothing. The state database is the only thing the two processes share.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateDatabase } from '../../src/adapters/store/state-database.ts';
import { localDate } from '../../src/core/digest/schedule.ts';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/dev/fake-openai.ts';
import type { ScriptProcess } from '../support/script-process.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';
import { zoneWithDaylight } from '../support/zone-with-daylight.ts';
import { TOKEN } from './digest-harness.ts';

let ws: Workspace;
let fake: FakeDiscord;
let llm: FakeOpenAI;
const children: ScriptProcess[] = [];

beforeAll(async () => {
  ws = await makeWorkspace();
  fake = await startFakeDiscord({ token: TOKEN, guilds: [{ id: '1', name: 'Paper Club', channels: ['general', 'digest'] }] });
  llm = await startFakeOpenAI({ defaultResponder: () => ({ content: 'TL;DR: A one-line summary written by the model.' }) });
  const built = await ws.run('index');
  expect(built.code, built.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const child of children) await child.killGroup();
  await fake?.close();
  await llm?.close();
  await ws?.cleanup();
});


function startBot(): ScriptProcess {
  const bot = ws.start('main', [], {
    env: { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl, OPENAI_BASE_URL: llm.url, OPENAI_MODEL: 'fake-model', LLM_MAX_RETRIES: '0', SHUTDOWN_GRACE_MS: '2000', LOG_LEVEL: 'info' },
  });
  children.push(bot);
  return bot;
}

describe('digests in the bot process', () => {
  it('posts the digest missed while down once at start, and a restart the same day posts nothing', async () => {
    const now = new Date();
    const zone = zoneWithDaylight(now);
    const channelId = fake.channel('digest').id;
    const state = StateDatabase.open(path.join(ws.dataDir, 'state.sqlite'));
    // Subscribed two days ago for 00:30; the bot has been down since.
    state.digests.saveSubscription({ channelId, guildId: '1', time: '00:30', timeZone: zone, count: 3, topic: null, userId: '42', now: new Date(now.getTime() - 2 * 86_400_000) });
    state.close();

    const first = startBot();
    const started = performance.now();
    const post = await fake.waitForCall({ route: 'POST /channels/:channelId/messages', channelId }, 60_000);
    const postMs = performance.now() - started;
    expect(post.status).toBe(200);
    expect(post.message?.allowed_mentions).toEqual({ parse: [] });
    expect(post.message?.content).toContain(`Paper digest · ${localDate(now, zone)}`);
    expect(post.message?.content?.match(/^TL;DR: A one-line summary written by the model\.$/gm)).toHaveLength(3);
    await first.waitForStderr('digest catch-up done', 60_000);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const second = startBot();
    await second.waitForStderr('digest catch-up done', 60_000);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    expect(fake.findCalls({ route: 'POST /channels/:channelId/messages', channelId })).toHaveLength(1);
    const check = StateDatabase.open(path.join(ws.dataDir, 'state.sqlite'));
    expect(check.digests.posts(channelId).map((p) => [p.localDate, p.status])).toEqual([[localDate(now, zone), 'sent']]);
    check.close();
    for (const log of [first.stderr(), second.stderr()]) {
      expect(log).not.toContain(TOKEN);
      expect(log).not.toMatch(/unhandled/i);
    }
    console.info(`bot process: catch-up digest posted ${postMs.toFixed(0)} ms after spawn (zone ${zone})`);
  }, 120_000);
});
