/**
 * The one place where paperbot's parts are built: from a Config, `createApp` makes each service once, when
 * it is first asked for (the embedder, the index backend and the open index, the language model, the state
 * stores, the assistant, the digest service, the Discord bot) and closes what it made in `close()`.
 * `npm start`, every terminal command, `deploy-commands` and the test harnesses all get their parts here;
 * tests pass overrides (fakes, a clock), they do not wire parts themselves. Where the data lives (SQLite and
 * hnswlib, or PostgreSQL) is decided by adapters/create-backends.ts alone; here only its ports are seen.
 */
import os from 'node:os';
import { REST } from 'discord.js';
import type { Config } from './config.ts';
import type { ChatModel } from './core/answering/chat-model.ts';
import { HISTORY_TURNS } from './core/answering/chat-model.ts';
import { UserError } from './core/errors.ts';
import type { Logger } from './core/logger.ts';
import { createOpenAIChatModel } from './adapters/llm/openai-chat-model.ts';
import { createBackends, type Backends } from './adapters/create-backends.ts';
import type { StateStores } from './core/state-stores.ts';
import { Assistant } from './assistant/assistant.ts';
import { loadEmbedder, type LoadedEmbedder } from './assistant/load-embedder.ts';
import { DigestService } from './digest/digest-service.ts';
import { PaperBot } from './discord/bot.ts';
import type { BotAssistant, BotSettings } from './discord/command.ts';
import { questionLimiter } from './discord/rate-limiter.ts';
import { RestDigestSender } from './discord/rest-digest-sender.ts';
import { buildIndex, type BuildProgress, type BuildReport } from './indexing/build-index.ts';
import { describeBuild } from './indexing/describe-build.ts';
import type { IndexBackend } from './indexing/index-backend.ts';
import { IndexHandle } from './indexing/open-index.ts';
import { ArxivClient, type ArxivClientOptions } from './sources/arxiv/arxiv-client.ts';
import { ArxivService } from './sources/arxiv/arxiv-service.ts';
import { DailyFetch } from './sources/daily-fetch.ts';

/** The job-claim name of an incoming Discord event (an interaction, a message to answer) when several processes share the state. */
const DISCORD_EVENT_JOB = 'discord-event';
const EVENT_HOLDER = `${os.hostname()} pid ${process.pid}`;

/** How often an answer's progress edits may come (Discord allows about 5 edits per 5 s per channel). */
export const PROGRESS_INTERVAL_MS = 1_500;

/** What tests (and only tests) replace. Everything else comes from the Config. */
export interface AppOverrides {
  /** A chat model instead of the configured one; null: none (extractive answers). */
  chatModel?: ChatModel | null;
  /** The clock of the bot (rate limits) and the digests. */
  now?: () => Date;
  /** Create the digests' croner jobs paused: time moves only with `digest.scheduler.tick()`. */
  pauseDigestJobs?: boolean;
  /** Create the daily arXiv fetch's job paused: it runs only with `dailyFetch().run()`. */
  pauseFetchJobs?: boolean;
  /** Discord REST tuning (tests lower the timeout and turn retries off). */
  discordRest?: { timeout?: number; retries?: number };
  /** Bot settings that are constants in production (the progress interval, for instance). */
  botSettings?: Partial<BotSettings>;
  /** Wraps the assistant the bot talks to (tests inject failures). */
  wrapBotAssistant?: (assistant: Assistant) => BotAssistant;
  /** The arXiv client's clock, sleep and limits (tests keep waits short). */
  arxivClient?: Partial<ArxivClientOptions>;
}

export interface AssistantStart {
  /** Build the index first when there is none (`npm start`). */
  buildIfMissing?: boolean;
  /** Shown to the person: warnings, build reports. */
  notify?: (line: string) => void;
  onProgress?: (progress: BuildProgress) => void;
}

export interface BuildOptions {
  strict?: boolean;
  /** Reuse nothing of the current build (`npm run index -- --rebuild`). */
  rebuild?: boolean;
  /** Remove papers the corpus folder lacks even from a build made elsewhere (`npm run index -- --remove-missing`). */
  removeMissing?: boolean;
  onProgress?: (progress: BuildProgress) => void;
  /** When the papers entered the index (tests of the digest's notion of "new"). */
  now?: () => Date;
}

export interface App {
  readonly config: Config;
  readonly logger: Logger;
  /** The configured language model; undefined: extractive answers. */
  readonly chatModel: ChatModel | undefined;
  /** Where builds and their stores live (SQLite/hnswlib folders, or PostgreSQL per DATABASE_URL), opened once. */
  indexBackend(): Promise<IndexBackend>;
  /** The embedding model per EMBEDDINGS, loaded once (null embedder: lexical only, with the warning why). */
  embedder(): Promise<LoadedEmbedder>;
  /** Builds or updates the index from the corpus folder. */
  buildIndex(options?: BuildOptions): Promise<BuildReport>;
  /** The current index build (following `npm run index`'s new builds), opened once; built first with `buildIfMissing`. */
  index(start?: AssistantStart): Promise<IndexHandle>;
  /** The assistant on that index, made once. */
  assistant(start?: AssistantStart): Promise<Assistant>;
  /** The precious state (feedback, digests, settings), opened once, on whichever database create-backends.ts chose. */
  state(): Promise<StateStores>;
  /** Discord's REST API with the bot token (registering commands, posting digests). */
  discordRest(): REST;
  /** The daily digests, posting through Discord's REST API. */
  digest(): Promise<DigestService>;
  /** arXiv as a paper source (`npm run fetch`, `/add`, the daily fetch), through one polite client. */
  arxiv(): ArxivService;
  /** The bot's daily arXiv fetch; null when ARXIV_CATEGORIES is not set. */
  dailyFetch(): DailyFetch | null;
  /** The Discord bot with every service it needs, built once (not logged in: `start()` does that). */
  bot(): Promise<PaperBot>;
  /** Shuts the bot down (when built) and closes everything that was opened. Idempotent. */
  close(): Promise<void>;
}

export function createApp(config: Config, { logger, ...overrides }: AppOverrides & { logger: Logger }): App {
  const backends = createBackends(config, { logger });
  const chatModel = overrides.chatModel === undefined ? createChatModel(config, logger) : (overrides.chatModel ?? undefined);
  const now = overrides.now ?? (() => new Date());
  const once = <T>(make: () => T): (() => T) => {
    let made: { value: T } | undefined;
    return () => (made ??= { value: make() }).value;
  };

  let embedderLoaded: Promise<LoadedEmbedder> | undefined;
  const embedder = (): Promise<LoadedEmbedder> => (embedderLoaded ??= loadEmbedder(config.embeddings, logger));
  let backendOpened: Promise<IndexBackend> | undefined;
  const indexBackend = (): Promise<IndexBackend> => (backendOpened ??= backends.openIndex());
  let indexOpened: Promise<IndexHandle> | undefined;
  let assistantStarted: Promise<Assistant> | undefined;
  let stateOpened: Promise<StateStores> | undefined;
  let botBuilt: PaperBot | undefined;
  let closed: Promise<void> | undefined;

  const build = async ({ strict = config.corpusStrict, rebuild = false, removeMissing = false, onProgress, now: buildNow }: BuildOptions = {}): Promise<BuildReport> => {
    const { embedder: model } = await embedder();
    return buildIndex({
      corpusDir: config.corpusDir,
      embedder: model,
      backend: await indexBackend(),
      strict,
      rebuild,
      removeMissing,
      logger,
      ...(onProgress ? { onProgress } : {}),
      ...(buildNow ? { now: buildNow } : {}),
    });
  };

  const openIndex = async ({ buildIfMissing = false, notify = () => {}, onProgress }: AssistantStart): Promise<IndexHandle> => {
    const { embedder: model, warning } = await embedder();
    if (warning !== null) notify(warning);
    const backend = await indexBackend();
    if (buildIfMissing && (await backend.catalog.current()) === null) {
      notify(`No index yet: building it from ${config.corpusDir} …`);
      for (const line of describeBuild(await build(onProgress ? { onProgress } : {}))) notify(line);
    }
    return IndexHandle.open({ embedder: model, backend, logger });
  };

  const startAssistant = async (start: AssistantStart): Promise<Assistant> => {
    const index = await app.index(start);
    const { embedder: model } = await embedder();
    const assistant = new Assistant({ config, index, embedder: model, chatModel, logger });
    for (const note of await assistant.startupNotes()) (start.notify ?? (() => {}))(note);
    return assistant;
  };

  const discordToken = (): string => requireDiscordToken(config);

  const app: App = {
    config,
    logger,
    chatModel,
    indexBackend,
    embedder,
    buildIndex: build,
    index(start = {}) {
      indexOpened ??= openIndex(start);
      return indexOpened;
    },
    assistant(start = {}) {
      assistantStarted ??= startAssistant(start);
      return assistantStarted;
    },
    state() {
      stateOpened ??= backends.openState();
      return stateOpened;
    },
    discordRest: once(() => new REST({ api: config.discord.apiUrl, timeout: 15_000, ...overrides.discordRest }).setToken(discordToken())),
    digest: once(async () => {
      const token = discordToken();
      const state = await app.state();
      return new DigestService({
        store: state.digests,
        votes: state.digestVotes,
        candidates: await app.assistant(),
        // Its own REST client on the same API and token: digests post without going through the gateway client.
        sender: new RestDigestSender(app.discordRest()),
        chatModel,
        logger: logger.child({ component: 'digest' }),
        now,
        secrets: [token],
        pauseJobs: overrides.pauseDigestJobs,
      });
    }),
    arxiv: once(
      () =>
        new ArxivService({
          corpusDir: config.corpusDir,
          dataDir: config.dataDir,
          // One client for the whole process: arXiv's limit is per requester, whatever asks.
          client: new ArxivClient({ minIntervalMs: config.arxiv.minIntervalMs, contact: config.arxiv.contact, ...overrides.arxivClient }),
          rssUrl: config.arxiv.rssUrl,
          apiUrl: config.arxiv.apiUrl,
          now,
          logger: logger.child({ component: 'arxiv' }),
          // On the app's clock: the digests decide what is new by when papers entered the index.
          buildIndex: () => build({ now }),
        }),
    ),
    dailyFetch: once(() =>
      config.arxiv.categories.length === 0
        ? null
        : new DailyFetch({
            arxiv: app.arxiv(),
            categories: config.arxiv.categories,
            time: config.arxiv.fetchTime,
            timeZone: config.arxiv.fetchTimeZone,
            logger: logger.child({ component: 'daily-fetch' }),
            now,
            // Claimed in the shared state first: of several bot processes on it, one fetches each day.
            claims: async () => (await app.state()).jobClaims,
            pauseJobs: overrides.pauseFetchJobs,
          }),
    ),
    bot: once(async () => {
      const token = discordToken();
      const assistant = await app.assistant();
      const state = await app.state();
      const settings: BotSettings = {
        messageContent: config.discord.messageContent,
        rateLimit: config.discord.rateLimit,
        maxQuestionLength: config.retrieval.maxQuestionLength,
        progressIntervalMs: PROGRESS_INTERVAL_MS,
        historyTurns: HISTORY_TURNS,
        ...overrides.botSettings,
      };
      botBuilt = new PaperBot({
        token,
        apiUrl: config.discord.apiUrl,
        settings,
        assistant: overrides.wrapBotAssistant ? overrides.wrapBotAssistant(assistant) : assistant,
        feedback: state.feedback,
        guildSettings: state.guildSettings,
        limiter: questionLimiter({ limit: settings.rateLimit, now: () => now().getTime(), shared: sharesState(config, backends), store: state.rateLimits }),
        digest: await app.digest(),
        arxiv: { add: (reference) => app.arxiv().add(reference), status: () => app.arxiv().status(), dailyCategories: config.arxiv.categories, lastDailyFetch: () => app.dailyFetch()?.lastRun() },
        dailyFetch: app.dailyFetch(),
        logger,
        shutdownGraceMs: config.discord.shutdownGraceMs,
        now: () => now().getTime(),
        ...(sharesState(config, backends) ? { claimEvent: async (key: string) => state.jobClaims.claimRun(DISCORD_EVENT_JOB, key, EVENT_HOLDER, now()) } : {}),
        ...(overrides.discordRest ? { rest: overrides.discordRest } : {}),
      });
      return botBuilt;
    }),
    close() {
      closed ??= (async () => {
        try {
          await botBuilt?.shutdown();
        } finally {
          // A part that failed to start was reported to whoever asked for it; here there is only nothing to close.
          const state = await stateOpened?.catch(() => undefined);
          await state?.close();
          const index = await indexOpened?.catch(() => undefined);
          await index?.close();
          const backend = await backendOpened?.catch(() => undefined);
          await backend?.close();
          const loaded = await embedderLoaded?.catch(() => undefined);
          await loaded?.embedder?.dispose();
        }
      })();
      return closed;
    },
  };
  return app;
}

/** Several bot processes count on one state: shard processes on `state.sqlite`, or any on PostgreSQL. */
function sharesState(config: Config, backends: Backends): boolean {
  return config.discord.shards !== undefined || backends.sharedState;
}

/** The bot token, or the sentence that says it is missing. */
export function requireDiscordToken(config: Pick<Config, 'discord'>): string {
  const token = config.discord.token;
  if (token === undefined) throw new UserError('E_DISCORD_TOKEN', 'DISCORD_TOKEN is not set: the Discord bot needs its token (see "Discord" in the README).');
  return token;
}

/** The configured language model, or undefined when none is configured (extractive answers). */
export function createChatModel(config: Pick<Config, 'llm'>, logger: Logger): ChatModel | undefined {
  return config.llm.enabled ? createOpenAIChatModel({ ...config.llm, logger }) : undefined;
}
