/**
 * When Discord closes the gateway for good, the bot says what to fix and ends (runMain then exits 1) instead
 * of idling without a connection until Node exits 13: a token reset while it runs (4004), intents withdrawn
 * (4014), and at start-up a token the gateway rejects (4004) or a privileged intent not enabled (4014).
 * Real discord.js client against the fake Discord; `runBot` in this process, as `npm start` runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { isUserError } from '../../src/core/errors.ts';
import { runBot } from '../../src/discord/run-bot.ts';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';
import { recordingLogger, TOKEN, type LogLine } from './harness.ts';

let ws: Workspace;
const opened: Array<{ app: App; fake: FakeDiscord }> = [];

beforeAll(async () => {
  ws = await makeWorkspace();
}, 60_000);

afterAll(async () => {
  for (const { fake, app } of opened) {
    await fake.close();
    await app.close();
  }
  await ws?.cleanup();
});

/** runBot against a fresh fake; resolves with what it ended with (its exit code, or the error), within 8 s. */
async function runAgainst(
  fakeOptions: Parameters<typeof startFakeDiscord>[0],
  { env = {}, whenReady }: { env?: Record<string, string>; whenReady?: (fake: FakeDiscord) => Promise<void> } = {},
): Promise<{ outcome: number | Error; logs: LogLine[] }> {
  const fake = await startFakeDiscord({ token: TOKEN, ...fakeOptions });
  const logs: LogLine[] = [];
  const config = parseConfig({ ...ws.env, DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl, ...env }, ws.dir);
  const app = createApp(config, { logger: recordingLogger(logs), pauseDigestJobs: true, discordRest: { timeout: 2000, retries: 0 } });
  opened.push({ app, fake });
  const stop = new AbortController();
  const running = runBot({ app, stop: stop.signal, onReady: () => void whenReady?.(fake) }).catch((error: unknown) => error as Error);
  const timeout = new Promise<Error>((resolve) => setTimeout(() => resolve(new Error('runBot did not end within 8 s')), 8000));
  const outcome = await Promise.race([running, timeout]);
  stop.abort();
  return { outcome, logs };
}

describe('the gateway closed for good', () => {
  it('ends a running bot with one sentence when the token is reset (4004)', async () => {
    const { outcome } = await runAgainst({}, { whenReady: (fake) => fake.resetToken('a-new-token') });
    expect(isUserError(outcome)).toBe(true);
    expect((outcome as Error).message).toMatch(/^Discord rejected the bot token \(gateway close code 4004.*DISCORD_TOKEN.*\.$/);
    expect((outcome as Error).message).not.toContain(TOKEN);
  }, 20_000);

  it('ends a running bot with one sentence when its intents are refused (4014)', async () => {
    const { outcome } = await runAgainst({}, { whenReady: (fake) => fake.disconnect(4014, 'Disallowed intent(s).') });
    expect(isUserError(outcome)).toBe(true);
    expect((outcome as Error).message).toMatch(/close code 4014.*Message Content Intent.*DISCORD_MESSAGE_CONTENT=false/);
  }, 20_000);

  it('ends a running bot with one sentence when its intents are invalid (4013)', async () => {
    const { outcome } = await runAgainst({}, { whenReady: (fake) => fake.disconnect(4013, 'Invalid intent(s).') });
    expect(isUserError(outcome)).toBe(true);
    expect((outcome as Error).message).toMatch(/close code 4013.*update paperbot/);
  }, 20_000);

  it('says at start-up that the token was rejected when the gateway refuses it (4004)', async () => {
    const { outcome } = await runAgainst({ gatewayToken: 'another-token' });
    expect(isUserError(outcome)).toBe(true);
    expect((outcome as Error).message).toMatch(/Could not log in to Discord \(Authentication failed\): Discord rejected the bot token.*DISCORD_TOKEN/);
    expect((outcome as Error).message).not.toMatch(/network/);
  }, 20_000);

  it('says at start-up which intent to enable when Message Content is not enabled for the application (4014)', async () => {
    const { outcome } = await runAgainst({ privilegedIntents: 0 }, { env: { DISCORD_MESSAGE_CONTENT: 'true' } });
    expect(isUserError(outcome)).toBe(true);
    expect((outcome as Error).message).toMatch(/Message Content intent.*DISCORD_MESSAGE_CONTENT=false/);
  }, 20_000);
});
