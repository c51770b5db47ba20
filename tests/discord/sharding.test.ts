/**
 * Issue 13 §4, sharding, as real processes (the processes are what is tested): `npm start` with
 * DISCORD_SHARDS=auto builds the missing index once, asks the fake Discord's GET /gateway/bot (it recommends
 * 2), and runs discord.js's ShardingManager: two shard processes identify as 0/2 and 1/2, each answers /ask
 * in its own guild (the fake sends a guild's events to its shard only), the digest due at start-up is posted
 * once although both shards catch up on it (the day's claim in state.sqlite), the daily arXiv fetch starts in
 * shard 0 only, a second npm start on the same data folder is refused while the parent runs, a shard killed
 * with SIGKILL is started again, and SIGTERM to the parent stops every shard gracefully (exit 0), also while
 * they are still starting. In process: a fixed DISCORD_SHARDS is taken as given, a refused token is one
 * sentence before any shard starts, and (a stand-in for the process) a shard does not take the data folder's
 * lock its parent holds, and shuts down when its parent is gone (the IPC channel closes, as after `kill -9`
 * of the parent) rather than live on unsupervised.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REST } from 'discord.js';
import { runCommand } from '../../src/cli/run-main.ts';
import { parseConfig } from '../../src/config.ts';
import { silentLogger, type Logger } from '../../src/core/logger.ts';
import { botCommand, type BotProcess } from '../../src/discord/run-bot.ts';
import { planShards } from '../../src/discord/run-shards.ts';
import { StateDatabase } from '../../src/adapters/store/state-database.ts';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.ts';
import { guildIdOnShard } from '../support/fake-discord/shards.ts';
import { logLines, waitUntil, type ScriptProcess } from '../support/script-process.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';
import { carriesFeedback, TOKEN } from './harness.ts';

const GUILD_0 = guildIdOnShard(0, 2);
const GUILD_1 = guildIdOnShard(1, 2);
/** What is tested is the processes: lexical retrieval spares each of them loading ONNX Runtime (seconds on a busy machine). */
const LEXICAL = { EMBEDDINGS: 'lexical' };

let ws: Workspace;
let fake: FakeDiscord;
const children: ScriptProcess[] = [];

beforeAll(async () => {
  ws = await makeWorkspace();
  // max_concurrency 2: both shards may identify at once, so the test does not wait out Discord's 5 s window.
  fake = await startFakeDiscord({
    token: TOKEN,
    recommendedShards: 2,
    maxConcurrency: 2,
    guilds: [
      { id: GUILD_0, name: 'Zero', channels: ['general'] },
      { id: GUILD_1, name: 'One', channels: ['general', 'papers'] },
    ],
  });
  // No index: the sharding parent builds it before starting the shards, which would otherwise each build it.
  // A digest due since midnight UTC and never posted: both shards catch up on it when they start.
  const state = StateDatabase.open(parseConfig(ws.env, ws.dir).stateFile);
  state.digests.saveSubscription({ channelId: fake.channel('papers').id, guildId: GUILD_1, time: '00:00', timeZone: 'UTC', count: 2, topic: null, userId: fake.defaultUser.id, now: new Date(Date.now() - 2 * 86_400_000) });
  state.close();
}, 60_000);

afterAll(async () => {
  for (const child of children) await child.killGroup();
  await fake?.close();
  await ws?.cleanup();
});

function start(env: Record<string, string> = {}): ScriptProcess {
  const bot = ws.start('main', [], {
    env: {
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_URL: fake.apiUrl,
      DISCORD_SHARDS: 'auto',
      SHUTDOWN_GRACE_MS: '500',
      LOG_LEVEL: 'info',
      // Nothing listens on port 9: the fetch fails at once; what matters is how many shards start it.
      ARXIV_CATEGORIES: 'cs.LG',
      ARXIV_RSS_URL: 'http://127.0.0.1:9/rss',
      ARXIV_API_URL: 'http://127.0.0.1:9/api',
      ...LEXICAL,
      ...env,
    },
  });
  children.push(bot);
  return bot;
}

const shardPids = (stderr: string, shard: number): number[] =>
  logLines(stderr).filter((l) => l.msg === `shard ${shard} of 2 started`).map((l) => Number(l.pid));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    return false;
  }
};

/**
 * The parent's exit can come before the shards' last lines are read: they write to the same stderr pipe, which
 * ends once every process holding it has exited and all it holds was read.
 */
async function outputEnded(parent: ScriptProcess): Promise<void> {
  const { stdout, stderr } = parent.child;
  await waitUntil(() => stdout?.readableEnded !== false && stderr?.readableEnded !== false, 'the shards\' output to end', { timeoutMs: 30_000, log: () => parent.stderr() });
}

async function ask(guildId: string): Promise<{ dispatchedTo: number[]; answer: string | undefined }> {
  const guild = fake.guilds.find((g) => g.id === guildId);
  const ix = await fake.interaction({ name: 'ask', channelId: guild?.channels[0]?.id ?? '', options: { question: 'What does FaMUS approximate to save training time?' } });
  const answer = await fake.waitForCall((c) => c.interactionId === ix.id && carriesFeedback(c), 30_000);
  const dispatchedTo = fake.dispatches.filter((d) => d.event === 'INTERACTION_CREATE' && d.guildId === guildId).map((d) => d.shard[0]);
  return { dispatchedTo, answer: answer.message?.content };
}

describe('npm start with DISCORD_SHARDS', () => {
  it('runs one process per shard that behave as one bot, restarts a killed shard, and stops them all on SIGTERM', async () => {
    const started = Date.now();
    const parent = start();
    await parent.waitForStderr('all 2 shards are connected', 60_000);
    const readyMs = Date.now() - started;
    const log = () => parent.stderr();
    expect(logLines(log()).map((l) => l.msg).filter((m) => m?.startsWith('No index yet'))).toEqual([expect.stringMatching(/before starting the shards/)]);

    // auto: the fake's recommendation; each shard identified with its own [id, count].
    expect(logLines(log()).find((l) => l.msg === 'starting 2 shard processes')).toMatchObject({ shards: 2, recommended: 2, maxConcurrency: 2 });
    expect(fake.gatewayLog.filter((f) => f.op === 2).map((f) => (f.d as { shard?: unknown }).shard).sort()).toEqual([[0, 2], [1, 2]]);
    // A shard tells its parent it is ready (IPC) a moment before its own log line reaches the shared stderr.
    const connected = () => logLines(log()).filter((l) => l.msg === 'connected to Discord');
    await waitUntil(() => connected().length === 2, 'both shards\' "connected to Discord"', { timeoutMs: 30_000, log });
    expect(connected().map((l) => [l.shard, l.shardCount, l.guilds]).sort()).toEqual([[0, 2, 1], [1, 2, 1]]);

    // A second npm start on the same data folder (sharded or not) is refused, naming the parent.
    const second = start({ DISCORD_SHARDS: '' });
    const refused = second.waitForExit(60_000);

    // Each guild's /ask reaches its own shard only, and is answered.
    for (const [guildId, shard] of [[GUILD_0, 0], [GUILD_1, 1]] as const) {
      const { dispatchedTo, answer } = await ask(guildId);
      expect(dispatchedTo).toEqual([shard]);
      expect(answer).toMatch(/\[1\]/);
    }

    // Both shards caught up on the digest due today; it was posted once.
    await waitUntil(() => logLines(log()).filter((l) => l.msg === 'digest catch-up done').length === 2, 'both shards\' digest catch-up', { timeoutMs: 30_000, log });
    expect(logLines(log()).filter((l) => l.msg === 'digest catch-up done').map((l) => l.posted).sort()).toEqual([0, 1]);
    expect(fake.messagesIn(fake.channel('papers').id).filter((m) => m.author.id === fake.botUser.id)).toHaveLength(1);

    // A shard killed outright is started again and answers again.
    const [killed] = shardPids(log(), 1);
    process.kill(killed as number, 'SIGKILL');
    await waitUntil(() => shardPids(log(), 1).length === 2, 'shard 1 to be started again', { timeoutMs: 30_000, log });
    await waitUntil(() => fake.gatewayLog.filter((f) => f.op === 2 && JSON.stringify((f.d as { shard?: unknown }).shard) === '[1,2]').length === 2, 'shard 1 to identify again', { timeoutMs: 30_000, log });
    expect(logLines(log()).find((l) => l.msg === 'shard 1 died: starting it again')).toMatchObject({ shard: 1, signal: 'SIGKILL' });
    await waitUntil(() => connected().filter((l) => l.shard === 1).length === 2, 'shard 1 to be ready again', { timeoutMs: 30_000, log });
    expect((await ask(GUILD_1)).answer).toMatch(/\[1\]/);

    expect((await refused).code).toBe(1);
    expect(second.stderr()).toMatch(new RegExp(`^Another paperbot bot \\(process ${parent.child.pid}\\) is running on `, 'm'));

    // SIGTERM to the parent: every shard shuts down gracefully, the parent exits 0 and removes the lock.
    const pids = [...shardPids(log(), 0), ...shardPids(log(), 1)];
    parent.child.kill('SIGTERM');
    expect(await parent.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    expect(pids.filter(alive)).toEqual([]);
    await outputEnded(parent);
    expect(logLines(log()).filter((l) => l.msg === 'disconnected from Discord')).toHaveLength(2);
    // The daily arXiv fetch: once per bot, in shard 0 (counted once every shard's output is in).
    expect(logLines(log()).filter((l) => l.msg === 'daily arXiv fetch scheduled')).toHaveLength(1);
    expect(log()).not.toContain(TOKEN);
    expect(log()).not.toMatch(/unhandled/i);
    console.info(`2 shard processes connected ${readyMs} ms after npm start`);
  }, 180_000);

  it('stops at once on SIGTERM while the shards are still starting: none connects, exit 0', async () => {
    const identified = fake.gatewayLog.filter((f) => f.op === 2).length;
    const parent = start();
    await parent.waitForStderr('shard 1 of 2 started', 60_000);
    parent.child.kill('SIGTERM');
    expect(await parent.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    await outputEnded(parent);
    expect(logLines(parent.stderr()).filter((l) => l.msg === 'connected to Discord')).toEqual([]);
    expect(fake.gatewayLog.filter((f) => f.op === 2)).toHaveLength(identified);
    expect([...shardPids(parent.stderr(), 0), ...shardPids(parent.stderr(), 1)].filter(alive)).toEqual([]);
  }, 120_000);

  it('takes a number of shards as given and auto from GET /gateway/bot, and says in one sentence when Discord refuses the token', async () => {
    const rest = (token: string) => new REST({ api: fake.apiUrl, retries: 0, timeout: 2000 }).setToken(token);
    expect(await planShards(rest(TOKEN), 3, TOKEN)).toEqual({ count: 3, recommended: 2, maxConcurrency: 2 });
    expect(await planShards(rest(TOKEN), 'auto', TOKEN)).toEqual({ count: 2, recommended: 2, maxConcurrency: 2 });
    const refused = planShards(rest('not-the-token-at-all'), 'auto', 'not-the-token-at-all');
    await expect(refused).rejects.toThrow(/^Could not ask Discord how to shard the bot \(.*401.*\): Discord rejected the bot token; put the current one in DISCORD_TOKEN/);
    await expect(refused).rejects.not.toThrow(/not-the-token-at-all/);
  });

  it('a shard leaves the lock to its parent and shuts down when its parent is gone (in process: the IPC channel closes)', async () => {
    // The lock of a live sharding parent (this test's parent process stands in for it).
    const lock = path.join(ws.dataDir, 'bot.lock');
    writeFileSync(lock, `${process.ppid}\n`);
    const messages: string[] = [];
    const logger: Logger = { ...silentLogger, info: (_fields, msg) => void messages.push(msg), warn: (_fields, msg) => void messages.push(msg), child: () => logger };
    let parentGone: (() => void) | undefined;
    const proc: BotProcess = {
      once: (event, listener) => {
        if (event === 'disconnect') parentGone = listener;
      },
      on: () => undefined,
      off: () => undefined,
    };
    const running = runCommand((context) => botCommand(context, proc, { shard: true }), {
      argv: [],
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
      readConfig: () => parseConfig({ ...ws.env, ...LEXICAL, DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl, SHUTDOWN_GRACE_MS: '500' }, ws.dir),
      makeLogger: () => logger,
    });
    await waitUntil(() => messages.includes('paperbot is answering on Discord (Ctrl-C to stop)'), 'the shard to answer', { timeoutMs: 60_000, log: () => messages.join('\n') });
    parentGone?.();
    expect(await running).toBe(0);
    expect(messages).toEqual(expect.arrayContaining(['the sharding parent is gone: shutting down', 'disconnected from Discord']));
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.ppid));
    rmSync(lock);
  }, 90_000);
});
