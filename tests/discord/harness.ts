/**
 * Test harness for the Discord bot: a temp workspace (shipped corpus, test model, index built), the fake
 * Discord and, optionally, the fake OpenAI server on 127.0.0.1, and the real PaperBot (real discord.js
 * Client) logged in against them, with a recording logger. Every part comes from the composition root
 * (`createApp`, src/app.ts) as in `npm start`; the harness only passes overrides. Commands are registered
 * with the fake the way `npm run deploy-commands` does, so option types come from the real definitions.
 */
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Events, Routes } from 'discord.js';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { parseConfig, type Config } from '../../src/config.ts';
import type { ChatModel } from '../../src/core/answering/chat-model.ts';
import type { Logger } from '../../src/core/logger.ts';
import { createApp, type App } from '../../src/app.ts';
import type { Assistant } from '../../src/assistant/assistant.ts';
import type { PaperBot } from '../../src/discord/bot.ts';
import type { BotAssistant } from '../../src/discord/command.ts';
import { commandDefinitions } from '../../src/discord/commands/index.ts';
import { withRequestIds } from '../../src/core/request-context.ts';
import type { StateStores } from '../../src/core/state-stores.ts';
import { startFakeDiscord, type FakeDiscord, type InteractionOptions, type RecordedCall } from '../support/fake-discord.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/dev/fake-openai.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';

export const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.fake-bot-token.secret-part-xyz';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

export function recordingLogger(lines: LogLine[], bindings: Record<string, unknown> = {}): Logger {
  const at = (level: LogLine['level']) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields: { ...bindings, ...fields }, message });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (b) => recordingLogger(lines, { ...bindings, ...b }) };
}

export interface HarnessOptions {
  /** Start the fake OpenAI server and configure it (default true). */
  llm?: boolean;
  /** A chat model object instead of the fake server (e.g. a slow one). */
  chatModel?: ChatModel;
  /** More environment variables. */
  env?: Record<string, string>;
  /** Extra JSONL lines added to the corpus before the index is built. */
  extraCorpus?: string[];
  /** Wraps the real assistant (to inject failures). */
  wrapAssistant?: (assistant: Assistant) => BotAssistant;
  progressIntervalMs?: number;
  shutdownGraceMs?: number;
}

export interface Harness {
  ws: Workspace;
  config: Config;
  fake: FakeDiscord;
  llm: FakeOpenAI | null;
  assistant: Assistant;
  state: StateStores;
  bot: PaperBot;
  logs: LogLine[];
  logger: Logger;
  /** A new bot on the same assistant and state (e.g. with other settings); closed by close(). */
  startBot(overrides?: BotOverrides): Promise<PaperBot>;
  /** Shuts `bot` down and makes a new one (with these settings) `bot`: for tests that need a bot of their own. */
  replaceBot(overrides?: BotOverrides): Promise<PaperBot>;
  /**
   * Resolves once `bot` has received the message `messageId` (when given) and has no work in flight
   * (`bot.busy === 0`): from then on, "nothing was sent" means the bot chose to send nothing.
   */
  settle(options?: { messageId?: string; timeoutMs?: number }): Promise<void>;
  close(): Promise<void>;
}

export interface BotOverrides {
  messageContent?: boolean;
  shutdownGraceMs?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const ws = await makeWorkspace();
  if (options.extraCorpus) await appendFile(path.join(ws.corpusDir, 'extra.jsonl'), `${options.extraCorpus.join('\n')}\n`);
  const llm = options.llm === false || options.chatModel ? null : await startFakeOpenAI();
  const fake = await startFakeDiscord({ token: TOKEN, guilds: [{ id: '1', name: 'Paper Club', channels: ['general', 'random'] }] });
  const llmEnv: Record<string, string> = llm ? { OPENAI_BASE_URL: llm.url, OPENAI_MODEL: 'fake-model', LLM_TIMEOUT_MS: '5000', LLM_MAX_RETRIES: '0' } : {};
  const config = parseConfig({ ...ws.env, ...llmEnv, DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl, ...options.env }, ws.dir);
  const logs: LogLine[] = [];
  const logger = withRequestIds(recordingLogger(logs));
  const apps: App[] = [];
  /** The ids of the messages each bot's client has received (MESSAGE_CREATE), for settle(). */
  const received = new Map<PaperBot, Set<string>>();

  /** A whole app, as `npm start` makes one, with the test's overrides; each bot gets its own (same files). */
  const startApp = (overrides: BotOverrides = {}): App => {
    const discord = {
      ...config.discord,
      messageContent: overrides.messageContent ?? config.discord.messageContent,
      shutdownGraceMs: overrides.shutdownGraceMs ?? options.shutdownGraceMs ?? config.discord.shutdownGraceMs,
    };
    const app = createApp(
      { ...config, discord },
      {
        logger,
        ...(options.chatModel ? { chatModel: options.chatModel } : {}),
        ...(options.progressIntervalMs === undefined ? {} : { botSettings: { progressIntervalMs: options.progressIntervalMs } }),
        ...(options.wrapAssistant ? { wrapBotAssistant: options.wrapAssistant } : {}),
        discordRest: { timeout: 5000, retries: 0 },
      },
    );
    apps.push(app);
    return app;
  };

  const first = startApp();
  const assistant = await first.assistant({ buildIfMissing: true });
  const state = await first.state();

  const startBot = async (overrides: BotOverrides = {}, app: App = startApp(overrides)): Promise<PaperBot> => {
    const bot = await app.bot();
    const ids = new Set<string>();
    received.set(bot, ids);
    // Added after PaperBot's own listener, so by the time an id is here the bot has taken up (or ignored) the message.
    bot.client.on(Events.MessageCreate, (message) => ids.add(message.id));
    await bot.start();
    return bot;
  };

  const bot = await startBot({}, first);
  await bot.client.rest.put(Routes.applicationGuildCommands(fake.applicationId, '1'), { body: commandDefinitions({ maxQuestionLength: config.retrieval.maxQuestionLength }) });
  // Global too, as `npm run deploy-commands` without --guild: a DM offers only global commands.
  await bot.client.rest.put(Routes.applicationCommands(fake.applicationId), { body: commandDefinitions({ maxQuestionLength: config.retrieval.maxQuestionLength }) });

  const harness: Harness = {
    ws,
    config,
    fake,
    llm,
    assistant,
    state,
    bot,
    logs,
    logger,
    startBot,
    async replaceBot(overrides = {}) {
      await harness.bot.shutdown();
      harness.bot = await startBot(overrides);
      return harness.bot;
    },
    async settle({ messageId, timeoutMs = 8000 } = {}) {
      const current = harness.bot;
      const deadline = performance.now() + timeoutMs;
      while ((messageId !== undefined && !received.get(current)?.has(messageId)) || current.busy > 0) {
        if (performance.now() > deadline) {
          const waitingFor = messageId !== undefined && !received.get(current)?.has(messageId) ? `message ${messageId} to arrive` : `${current.busy} pieces of work to finish`;
          throw new Error(`the bot did not settle within ${timeoutMs} ms: still waiting for ${waitingFor}`);
        }
        await sleep(5);
      }
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

/** The real assistant with its answering replaced (a test holds or breaks one question); the lookups are the assistant's own. */
export function withStream(assistant: Assistant, stream: BotAssistant['stream']): BotAssistant {
  return {
    stream,
    findPapers: (query, limit) => assistant.findPapers(query, limit),
    resolvePaper: (query) => assistant.resolvePaper(query),
    lookupPapers: (query, limit) => assistant.lookupPapers(query, limit),
    lookupPaper: (query, others) => assistant.lookupPaper(query, others),
    similar: (id, k) => assistant.similar(id, k),
    about: () => assistant.about(),
    llmModel: assistant.llmModel,
  };
}

/** True for the call that carries an answer's last message (the one with the 👍/👎 buttons). */
export function carriesFeedback(call: RecordedCall): boolean {
  return JSON.stringify(call.message?.components ?? []).includes('"custom_id":"feedback:');
}

/** Every custom id and url of the buttons in a call's message. */
export function buttonsOf(call: RecordedCall | undefined): Array<{ label?: string; custom_id?: string; url?: string; style?: number }> {
  const rows = (call?.message?.components ?? []) as Array<{ components?: Array<{ label?: string; custom_id?: string; url?: string; style?: number }> }>;
  return rows.flatMap((row) => row.components ?? []);
}

/** Dispatches /ask and waits for its final message. */
export async function askSlash(
  fake: FakeDiscord,
  question: string,
  extra: Partial<InteractionOptions> & { private?: boolean } = {},
  timeoutMs = 8000,
): Promise<{ id: string; token: string; dispatchedAt: number; final: RecordedCall; calls: () => RecordedCall[] }> {
  const { private: isPrivate, ...rest } = extra;
  const dispatchedAt = performance.now();
  const ix = await fake.interaction({ name: 'ask', options: { question, ...(isPrivate === undefined ? {} : { private: isPrivate }) }, ...rest });
  const final = await fake.waitForCall((c) => c.interactionId === ix.id && carriesFeedback(c), timeoutMs);
  return { id: ix.id, token: ix.token, dispatchedAt, final, calls: () => fake.findCalls({ interactionId: ix.id }) };
}


/** The calls Discord refused (status 400 and up), one line each, for `expect(...).toEqual([])`. */
export function restErrors(calls: readonly RecordedCall[]): string[] {
  return calls.filter((c) => c.status >= 400).map((c) => `${c.method} ${c.path} ${c.status} ${JSON.stringify(c.response)}`);
}

export interface UseHarnessHooks {
  /** Runs once the harness is up, before the file's tests (e.g. to register global commands). */
  started?: (h: Harness) => void | Promise<void>;
  /** Runs before each test, before its calls are counted (e.g. to let what an earlier test left running finish). */
  beforeEachTest?: (h: Harness) => Promise<void>;
  /** REST errors a file expects (e.g. a missing permission it tests); every other one fails the test. */
  expectedRestError?: (error: string) => boolean;
}

/**
 * One harness for a whole test file: started before its tests and closed after them, and after each test a
 * check that Discord refused none of the calls it made (a refused call is a bug the user would see).
 * `acceptCallsSoFar()` lets a test that provoked a refusal on purpose leave it out of that check.
 */
export function useHarness(options: HarnessOptions = {}, hooks: UseHarnessHooks = {}): { acceptCallsSoFar: () => void } {
  let h: Harness | undefined;
  let callsBefore = 0;
  const started = (): Harness => {
    if (h === undefined) throw new Error('the harness is not started yet: read it inside a test or hook');
    return h;
  };
  beforeAll(async () => {
    h = await startHarness(options);
    await hooks.started?.(h);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await hooks.beforeEachTest?.(started());
    callsBefore = started().fake.calls.length;
  });
  afterEach(() => {
    const refused = restErrors(started().fake.calls.slice(callsBefore)).filter((error) => !(hooks.expectedRestError?.(error) ?? false));
    expect(refused).toEqual([]);
  });
  return {
    acceptCallsSoFar: () => {
      callsBefore = started().fake.calls.length;
    },
  };
}
