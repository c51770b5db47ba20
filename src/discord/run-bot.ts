/**
 * `npm start` with DISCORD_TOKEN set: opens the assistant (building the index when there is none) and the
 * state database, logs the bot in (daily digests then post on schedule), and runs until SIGINT/SIGTERM; then shuts down gracefully (no new work,
 * answers in flight finish within SHUTDOWN_GRACE_MS, databases closed) and returns exit code 0. A second
 * Ctrl-C kills at once, as usual. Unhandled promise rejections are logged (scrubbed), never fatal.
 */
import { REST } from 'discord.js';
import type { ChatModel } from '../core/answering/chat-model.ts';
import { UserError, isUserError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Config } from '../config.ts';
import { createLogger } from '../adapters/logger.ts';
import { StateDatabase } from '../adapters/store/state-database.ts';
import type { Assistant } from '../assistant/assistant.ts';
import { createChatModel, startAssistant } from '../assistant/start-assistant.ts';
import type { CommandContext } from '../cli/run-main.ts';
import { DigestService } from '../digest/digest-service.ts';
import { PaperBot } from './bot.ts';
import { describeForLog, scrubSecrets } from '../core/redact-secrets.ts';
import { inviteUrl } from './invite.ts';
import { RestDigestSender } from './rest-digest-sender.ts';
import { withRequestIds } from '../core/request-context.ts';

/** The settings not worth a variable: how often progress edits may come, how much context a follow-up gets. */
export const PROGRESS_INTERVAL_MS = 1_500;
export const HISTORY_TURNS = 3;

/** The parts of `process` the bot command uses (tests pass a stand-in). */
export interface BotProcess {
  once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

export interface RunBotOptions {
  config: Config;
  logger: Logger;
  /** Aborted to shut down (the signal handlers abort it). */
  stop: AbortSignal;
  /** Tests inject a chat model; otherwise it comes from the config. */
  chatModel?: ChatModel;
  /** Called once the bot is connected. */
  onReady?: (bot: PaperBot) => void;
}

export async function botCommand(context: CommandContext, proc: BotProcess = process): Promise<number> {
  const token = context.config.discord.token ?? '';
  const logger = withRequestIds(createLogger({ level: context.config.logLevel ?? 'info' }));
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    proc.once(signal, () => {
      logger.info({ signal }, 'received a stop signal');
      stop.abort();
    });
  }
  const onRejection = (reason: unknown): void => logger.error({ err: describeForLog(reason, [token]) }, 'unhandled promise rejection');
  proc.on('unhandledRejection', onRejection);
  try {
    return await runBot({ config: context.config, logger, stop: stop.signal });
  } finally {
    proc.off('unhandledRejection', onRejection);
  }
}

export async function runBot({ config, logger, stop, chatModel, onReady }: RunBotOptions): Promise<number> {
  const token = config.discord.token;
  if (token === undefined) throw new UserError('E_DISCORD_TOKEN', 'DISCORD_TOKEN is not set: the Discord bot needs its token (see "Discord" in the README).');

  let assistant: Assistant | undefined;
  let state: StateDatabase | undefined;
  let bot: PaperBot | undefined;
  try {
    // One model for answers and digest TL;DRs.
    const llm = chatModel ?? createChatModel(config, logger);
    assistant = await startAssistant({
      config,
      logger,
      buildIfMissing: true,
      notify: (line) => logger.info({}, line),
      ...(llm ? { chatModel: llm } : {}),
    });
    state = StateDatabase.open(config.stateFile);
    if (stop.aborted) return 0;

    bot = new PaperBot({
      token,
      apiUrl: config.discord.apiUrl,
      settings: {
        messageContent: config.discord.messageContent,
        rateLimit: config.discord.rateLimit,
        maxQuestionLength: config.retrieval.maxQuestionLength,
        progressIntervalMs: PROGRESS_INTERVAL_MS,
        historyTurns: HISTORY_TURNS,
      },
      assistant,
      feedback: state.feedback,
      logger,
      shutdownGraceMs: config.discord.shutdownGraceMs,
      digest: new DigestService({
        store: state.digests,
        candidates: assistant,
        // Its own REST client on the same API and token: digests post without going through the gateway client.
        sender: new RestDigestSender(new REST({ api: config.discord.apiUrl }).setToken(token)),
        chatModel: llm,
        logger: logger.child({ component: 'digest' }),
        now: () => new Date(),
        secrets: [token],
      }),
    });
    const stopped = new Promise<void>((resolve) => {
      if (stop.aborted) resolve();
      else stop.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([login(bot, token), stopped]);
    if (!stop.aborted) {
      const about = assistant.about();
      const appId = bot.client.application?.id;
      logger.info(
        { papers: about.papers, retrieval: about.retrieval, llm: about.llm, ...(appId ? { invite: inviteUrl(appId) } : {}) },
        'paperbot is answering on Discord (Ctrl-C to stop)',
      );
      if (bot.client.guilds.cache.size === 0 && appId) logger.warn({ invite: inviteUrl(appId) }, 'the bot is in no server yet: open the invite URL to add it');
      onReady?.(bot);
      await stopped;
    }
    await bot.shutdown();
    return 0;
  } finally {
    if (bot !== undefined) await bot.shutdown().catch((error: unknown) => logger.error({ err: describeForLog(error, [token]) }, 'shutdown failed'));
    state?.close();
    assistant?.close();
  }
}

async function login(bot: PaperBot, token: string): Promise<void> {
  try {
    await bot.start();
  } catch (error) {
    if (isUserError(error)) throw error;
    const reason = scrubSecrets(error instanceof Error ? error.message : String(error), [token]);
    const hint = /intent/i.test(reason)
      ? 'DISCORD_MESSAGE_CONTENT=true needs the Message Content intent enabled in the Developer Portal (your application → Bot → Privileged Gateway Intents); enable it or set DISCORD_MESSAGE_CONTENT=false'
      : /token|401|unauthori[sz]ed/i.test(reason)
        ? 'check DISCORD_TOKEN (Developer Portal → your application → Bot → Reset Token)'
        : 'check the network and DISCORD_API_URL';
    throw new UserError('E_DISCORD_LOGIN', `Could not log in to Discord (${reason}): ${hint}.`, { cause: error });
  }
}
