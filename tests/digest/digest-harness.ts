/**
 * Test harness for daily digests: a temp workspace whose index is built with an injected clock (so papers
 * have an `addedAt` the test controls), the fake Discord with a server of several channels, optionally the
 * fake OpenAI server, and the real PaperBot with a digest service on an injected clock (posting through its
 * own REST client, as in run-bot.ts). Croner jobs are created paused: time moves only when a test sets the
 * clock and calls `tick()` (or triggers a job).
 */
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { PermissionFlagsBits, Routes } from 'discord.js';
import { createApp, type App } from '../../src/app.ts';
import { parseConfig, type Config } from '../../src/config.ts';
import type { Logger } from '../../src/core/logger.ts';
import type { Assistant } from '../../src/assistant/assistant.ts';
import type { BuildReport } from '../../src/indexing/build-index.ts';
import type { PaperBot } from '../../src/discord/bot.ts';
import { commandDefinitions } from '../../src/discord/commands/index.ts';
import type { DigestRunResult, DigestScheduler } from '../../src/digest/digest-scheduler.ts';
import type { DigestService } from '../../src/digest/digest-service.ts';
import { withRequestIds } from '../../src/core/request-context.ts';
import type { StateStores } from '../../src/core/state-stores.ts';
import { recordingLogger, TOKEN, type LogLine } from '../discord/harness.ts';
import { startFakeDiscord, type FakeDiscord, type OptionValue, type RecordedCall } from '../support/fake-discord.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/dev/fake-openai.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';

export { TOKEN };

/** When the shipped corpus was indexed, as far as the digests can tell. */
export const INDEXED_AT = new Date('2026-01-01T00:00:00Z');

export const CHANNELS = ['general', 'papers', 'news', 'lab', 'reading', 'ny'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** A server admin: what @everyone may do, plus Manage Server. */
export const ADMIN = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.UseApplicationCommands | PermissionFlagsBits.ManageGuild;

export interface DigestHarnessOptions {
  /** Start the fake OpenAI server and configure it (default false: extractive TL;DRs). */
  llm?: boolean;
  /** The clock at start (default 2026-03-02T06:00:00Z). */
  start?: Date;
}

export interface DigestHarness {
  ws: Workspace;
  config: Config;
  fake: FakeDiscord;
  llm: FakeOpenAI | null;
  assistant: Assistant;
  state: StateStores;
  /** The digest records: `state.digests`. */
  store: StateStores['digests'];
  /** The bot now running (replaced by `restart()`). */
  bot: PaperBot;
  /** The scheduler of the bot now running. */
  digest: DigestScheduler;
  logs: LogLine[];
  logger: Logger;
  channel(name: ChannelName): string;
  setTime(iso: string | Date): void;
  now(): Date;
  /** Sets the clock (when given) and runs the scheduler's check, as a job firing would. */
  tick(iso?: string): Promise<DigestRunResult[]>;
  /**
   * Runs `/digest <sub>` and returns the first reply (the callback message, or the edit of a deferred one)
   * once the bot has finished with it; `calls()` has every call answering it, follow-ups included.
   */
  command(sub: string, options?: Record<string, OptionValue>, extra?: { admin?: boolean; channel?: ChannelName }): Promise<{ reply: RecordedCall; calls: () => RecordedCall[] }>;
  /** Messages the bot posted in a channel (not interaction replies), oldest first. */
  postsIn(name: ChannelName): RecordedCall[];
  /**
   * Shuts the bot down and starts a new one on the same state and index (a restart); waits for its catch-up.
   * `databaseUrl`: the new one runs with DATABASE_URL there instead (its index built there at INDEXED_AT when
   * it has none, as `npm run index` would after moving an install).
   */
  restart(options?: { databaseUrl?: string }): Promise<PaperBot>;
  /** Adds JSONL lines to the corpus and rebuilds the index at the clock's time, while the bot runs. */
  reindex(lines: readonly string[]): Promise<BuildReport>;
  close(): Promise<void>;
}

export async function startDigestHarness(options: DigestHarnessOptions = {}): Promise<DigestHarness> {
  let clock = options.start ?? new Date('2026-03-02T06:00:00Z');
  const ws = await makeWorkspace();
  const llm = options.llm ? await startFakeOpenAI() : null;
  const fake = await startFakeDiscord({ token: TOKEN, guilds: [{ id: '1', name: 'Paper Club', channels: [...CHANNELS] }] });
  const llmEnv: Record<string, string> = llm ? { OPENAI_BASE_URL: llm.url, OPENAI_MODEL: 'fake-model', LLM_TIMEOUT_MS: '5000', LLM_MAX_RETRIES: '0' } : {};
  const config = parseConfig({ ...ws.env, ...llmEnv, DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl, SHUTDOWN_GRACE_MS: '5000' }, ws.dir);
  const logs: LogLine[] = [];
  const logger = withRequestIds(recordingLogger(logs));

  // Every part from the composition root, as in `npm start`, on the injected clock with paused croner jobs.
  const apps: App[] = [];
  const startApp = (appConfig: Config = config): App => {
    const app = createApp(appConfig, { logger, now: () => clock, pauseDigestJobs: true, discordRest: { timeout: 5000, retries: 0 } });
    apps.push(app);
    return app;
  };
  const first = startApp();
  // The index is built here, at INDEXED_AT, so that every paper is older than the digests' clock.
  const build = (at: Date): Promise<BuildReport> => first.buildIndex({ now: () => at });
  await build(INDEXED_AT);
  const assistant = await first.assistant();
  const state = await first.state();
  let digest: DigestService;

  /** Logs the app's bot in and waits for its catch-up; a restart is a new app on the same files. */
  const startBot = async (app: App): Promise<PaperBot> => {
    digest = await app.digest();
    const started = await app.bot();
    await started.start();
    await digest.scheduler.idle();
    return started;
  };

  let bot = await startBot(first);
  await bot.client.rest.put(Routes.applicationGuildCommands(fake.applicationId, '1'), { body: commandDefinitions({ maxQuestionLength: config.retrieval.maxQuestionLength }) });
  // Global too, as `npm run deploy-commands` without --guild: a DM offers only global commands.
  await bot.client.rest.put(Routes.applicationCommands(fake.applicationId), { body: commandDefinitions({ maxQuestionLength: config.retrieval.maxQuestionLength }) });

  const channel = (name: ChannelName): string => fake.channel(name).id;
  const harness: DigestHarness = {
    ws,
    config,
    fake,
    llm,
    assistant,
    state,
    store: state.digests,
    get bot() {
      return bot;
    },
    get digest() {
      return digest.scheduler;
    },
    logs,
    logger,
    channel,
    setTime(iso) {
      clock = new Date(iso);
    },
    now: () => clock,
    async tick(iso) {
      if (iso !== undefined) clock = new Date(iso);
      const results = await harness.digest.tick();
      await harness.digest.idle();
      return results;
    },
    async command(sub, commandOptions = {}, extra = {}) {
      const ix = await fake.interaction({
        name: 'digest',
        subcommand: sub,
        options: commandOptions,
        ...(extra.admin === false ? {} : { memberPermissions: ADMIN }),
        channelId: channel(extra.channel ?? 'general'),
      });
      const reply = await fake.waitForCall(
        (c) => c.interactionId === ix.id && (c.callback?.type === 4 || (c.method === 'PATCH' && c.path.endsWith('/messages/@original'))),
        10_000,
      );
      // Follow-ups (a long preview or status) come after the first reply: wait until the bot is done.
      for (let waited = 0; bot.busy > 0 && waited < 10_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
      return { reply, calls: () => fake.findCalls({ interactionId: ix.id }) };
    },
    postsIn(name) {
      return fake.findCalls({ route: 'POST /channels/:channelId/messages', channelId: channel(name) });
    },
    async restart({ databaseUrl } = {}) {
      await bot.shutdown();
      const app = startApp(databaseUrl === undefined ? config : { ...config, database: { ...config.database, url: databaseUrl } });
      if ((await (await app.indexBackend()).catalog.current()) === null) await app.buildIndex({ now: () => INDEXED_AT });
      bot = await startBot(app);
      return bot;
    },
    async reindex(lines) {
      await appendFile(path.join(config.corpusDir, 'added.jsonl'), `${lines.join('\n')}\n`);
      return build(clock);
    },
    async close() {
      await fake.close();
      for (const app of apps) await app.close();
      await llm?.close();
      await ws.cleanup();
    },
  };
  return harness;
}

/** The messages an interaction's answer consists of: the reply (or deferred edit), then follow-ups. */
export function answerTexts(calls: readonly RecordedCall[]): string[] {
  return calls.filter((c) => c.message !== null && typeof c.message.content === 'string').map((c) => c.message?.content ?? '');
}

/** The text of every message a list of calls posted, joined. */
export function textOf(calls: readonly RecordedCall[]): string {
  return calls.map((c) => c.message?.content ?? '').join('\n');
}

/** A corpus line for a paper the test adds later, with a title and a link. */
export function paperLine(n: number, topic: string): string {
  return JSON.stringify({
    title: `Fresh paper ${n} on ${topic}`,
    url: `https://example.org/fresh-${n}`,
    abstract: `We propose a new method for ${topic}. Our study of ${topic} covers ${topic} benchmarks in depth and reports consistent gains for ${topic} over strong baselines on public data.`,
  });
}
