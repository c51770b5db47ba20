/**
 * The real entry points as child processes against the fakes: `npm start` (src/main.ts) with DISCORD_TOKEN
 * runs the bot, answers, and on SIGTERM (or SIGINT) shuts down cleanly with exit code 0, interrupting an
 * answer that outlasts SHUTDOWN_GRACE_MS; its log never has the token nor an unhandled rejection.
 * `npm run deploy-commands -- --guild 1` registers the command definitions (and, in process, its other cases).
 */
import os from 'node:os';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InteractionResponseType } from 'discord.js';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { deployCommandsCommand } from '../../src/discord/deploy-commands.ts';
import { INTERRUPTED_NOTICE } from '../../src/discord/render/info-messages.ts';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/dev/fake-openai.ts';
import { logLines, waitUntil, type ScriptProcess } from '../support/script-process.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';
import { carriesFeedback, TOKEN } from './harness.ts';


let ws: Workspace;
let fake: FakeDiscord;
let llm: FakeOpenAI;
const children: ScriptProcess[] = [];

beforeAll(async () => {
  ws = await makeWorkspace();
  fake = await startFakeDiscord({ token: TOKEN, guilds: [{ id: '1', name: 'Paper Club' }] });
  llm = await startFakeOpenAI();
}, 60_000);

afterAll(async () => {
  for (const child of children) await child.killGroup();
  await fake?.close();
  await llm?.close();
  await ws?.cleanup();
});

function startBot(env: Record<string, string> = {}): ScriptProcess {
  const bot = ws.start('main', [], {
    env: {
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_URL: fake.apiUrl,
      OPENAI_BASE_URL: llm.url,
      OPENAI_MODEL: 'fake-model',
      LLM_TIMEOUT_MS: '30000',
      LLM_MAX_RETRIES: '0',
      SHUTDOWN_GRACE_MS: '1000',
      LOG_LEVEL: 'debug',
      ...env,
    },
  });
  children.push(bot);
  return bot;
}

describe('the bot as a process', () => {
  it('starts with DISCORD_TOKEN, answers /ask, and on SIGTERM interrupts a hanging answer and exits 0', async () => {
    const started = Date.now();
    const bot = startBot();
    await bot.waitForStderr('paperbot is answering on Discord', 90_000);
    const readyMs = Date.now() - started;
    expect(fake.gatewayLog.some((frame) => frame.op === 2)).toBe(true);

    const first = await fake.interaction({ name: 'ask', options: { question: 'What does FaMUS approximate to save training time?' } });
    const answer = await fake.waitForCall((c) => c.interactionId === first.id && carriesFeedback(c), 10_000);
    expect(answer.message?.content).toMatch(/\[1\]/);
    expect(answer.message?.allowed_mentions).toMatchObject({ parse: [] });

    // An answer in flight that will never finish by itself.
    llm.enqueue({ hang: true });
    const hanging = await fake.interaction({ name: 'ask', options: { question: 'What is VaSSO?' } });
    const deferral = await fake.waitForCall({ interactionId: hanging.id });
    expect(deferral.callback?.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    await waitUntil(() => llm.requests.length >= 2, 'the second LLM request', { timeoutMs: 5000, log: bot.stderr });

    const signalled = Date.now();
    bot.child.kill('SIGTERM');
    const { code, signal } = await bot.exited;
    const shutdownMs = Date.now() - signalled;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(shutdownMs).toBeLessThan(6000);
    expect(fake.findCalls({ interactionId: hanging.id }).at(-1)?.message?.content).toBe(INTERRUPTED_NOTICE);

    const log = bot.stderr();
    expect(log).not.toContain(TOKEN);
    expect(log).not.toMatch(/unhandled/i);
    expect(log).not.toMatch(/fake-interaction-[0-9a-f]{24}/);
    const messages = logLines(log).map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['connected to Discord', 'received a stop signal', 'grace period over: interrupting the answers still in flight', 'disconnected from Discord']));
    console.info(`bot process: ready after ${readyMs} ms (index built first), SIGTERM → exit 0 in ${shutdownMs} ms`);
  }, 120_000);

  it('exits 0 on SIGINT when idle', async () => {
    const bot = startBot();
    await bot.waitForStderr('paperbot is answering on Discord', 60_000);
    const signalled = Date.now();
    bot.child.kill('SIGINT');
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    const ms = Date.now() - signalled;
    expect(ms).toBeLessThan(3000);
    expect(bot.stderr()).not.toContain(TOKEN);
    expect(bot.stderr()).not.toMatch(/unhandled/i);
    console.info(`idle bot process: SIGINT → exit 0 in ${ms} ms`);
  }, 90_000);

  it('says in one sentence when Discord refuses the token, exit code 1', async () => {
    const bot = startBot({ DISCORD_TOKEN: 'not-the-right-token-at-all' });
    const { code } = await bot.exited;
    expect(code).toBe(1);
    expect(bot.stderr()).toMatch(/Could not log in to Discord .*DISCORD_TOKEN/);
    expect(bot.stderr()).not.toContain('not-the-right-token-at-all');
  }, 60_000);
});

describe('npm run deploy-commands', () => {
  it('sends the command definitions to the fake: `npm run deploy-commands -- --guild 1`', async () => {
    {
      const result = await ws.runProcess('deploy-commands', ['--guild', '1'], { env: { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl } });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Registered 10 commands in server 1: \/ask, \/paper, \/similar, \/cite, \/digest, \/add, \/settings, \/help, \/about, “Ask paperbot” \(message menu\)\./);
      expect(result.stdout).toMatch(/scope=bot%20applications\.commands&permissions=309237730304/);
      const put = fake.findCalls({ route: 'PUT /applications/:applicationId/guilds/:guildId/commands' }).at(-1);
      expect(put?.params.guildId).toBe('1');
      expect(put?.authorization).toBe(`Bot ${TOKEN}`);
      expect(put?.status).toBe(200);
      expect(fake.commands('1').map((c) => c.name)).toEqual(['ask', 'paper', 'similar', 'cite', 'digest', 'add', 'settings', 'help', 'about', 'Ask paperbot']);
      const ask = fake.commands('1').find((c) => c.name === 'ask');
      // Without a question /ask opens a modal; the client itself stops a question over MAX_QUESTION_LENGTH (default 1,000).
      expect(ask?.options?.map((o) => [o.name, o.required ?? false, 'max_length' in o ? o.max_length : null])).toEqual([['question', false, 1000], ['private', false, null]]);
      expect(fake.commands('1').find((c) => c.name === 'paper')?.options?.[0]).toMatchObject({ name: 'query', autocomplete: true });
    }
  }, 60_000);

  it('registers globally without --guild, and explains an unknown server or a missing token', async () => {
    const run = async (argv: string[], env: Record<string, string> = { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl }) => {
      let stdout = '';
      const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((stdout += chunk.toString()), done()) });
      const config = parseConfig(env, os.tmpdir());
      const app = createApp(config, { logger: silentLogger });
      try {
        return { code: await deployCommandsCommand({ argv, config, logger: silentLogger, app, stdout: sink, stderr: sink, stdin: process.stdin }), stdout };
      } finally {
        await app.close();
      }
    };
    const global = await run([]);
    expect(global).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Registered 10 commands globally/) });
    expect(fake.commands().map((c) => c.name)).toEqual(['ask', 'paper', 'similar', 'cite', 'digest', 'add', 'settings', 'help', 'about', 'Ask paperbot']);
    await expect(run(['--guild', '999'])).rejects.toThrow(/not in server 999/);
    await expect(run(['--guild'])).rejects.toThrow(/--guild needs a server id/);
    await expect(run([], { DISCORD_API_URL: fake.apiUrl })).rejects.toThrow(/DISCORD_TOKEN is not set/);
    await expect(run([], { DISCORD_TOKEN: 'wrong-token-1234', DISCORD_API_URL: fake.apiUrl })).rejects.toThrow(/Discord refused the token/);
  });
});
