/**
 * `npm start` with DISCORD_TOKEN set: asks the app for the bot (the assistant first, building the index when
 * there is none), logs it in (daily digests then post on schedule), and runs until SIGINT/SIGTERM; then
 * shuts down gracefully (no new work, answers in flight finish within SHUTDOWN_GRACE_MS, databases closed by
 * the app) and returns exit code 0. A second Ctrl-C kills at once, as usual. Unhandled promise rejections are
 * logged (scrubbed), never fatal. When Discord closes the gateway for good while it runs (the token was
 * reset: 4004; intents: 4013/4014) it shuts down the same way and fails with one sentence saying what to fix
 * (exit 1), instead of idling without a connection until Node gives up on it (exit 13). As one shard of a
 * ShardingManager (src/shard-main.ts) it is the same bot for its shard, without the lock (its parent holds
 * it), and it also shuts down when its parent is gone (the IPC channel closed: a `kill -9` of the parent).
 */
import { requireDiscordToken, type App } from '../app.ts';
import { lockForBot } from '../adapters/data-folder-lock.ts';
import { UserError, isUserError } from '../core/errors.ts';
import type { CommandContext } from '../cli/run-main.ts';
import { describeForLog, scrubSecrets } from '../core/redact-secrets.ts';
import type { PaperBot } from './bot.ts';
import { inviteUrl } from './invite.ts';
import { shardLogFields } from './shard-info.ts';

/** The parts of `process` the bot command uses (tests pass a stand-in). */
export interface BotProcess {
  /** `disconnect`: the IPC channel to the sharding parent closed (only a shard listens for it). */
  once(event: 'SIGINT' | 'SIGTERM' | 'disconnect', listener: () => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

export interface RunBotOptions {
  app: App;
  /** Aborted to shut down (the signal handlers abort it). */
  stop: AbortSignal;
  /** Called once the bot is connected. */
  onReady?: (bot: PaperBot) => void;
}

export interface BotCommandOptions {
  /** This process is one shard a ShardingManager started (src/shard-main.ts). */
  shard?: boolean;
}

export async function botCommand({ app }: CommandContext, proc: BotProcess = process, { shard = false }: BotCommandOptions = {}): Promise<number> {
  const { logger } = app;
  const secrets = app.config.discord.token === undefined ? [] : [app.config.discord.token];
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    proc.once(signal, () => {
      logger.info({ signal }, 'received a stop signal');
      stop.abort();
    });
  }
  // A shard whose parent died would run on unsupervised, holding its shard while the next npm start takes the lock.
  if (shard) {
    proc.once('disconnect', () => {
      logger.warn({}, 'the sharding parent is gone: shutting down');
      stop.abort();
    });
  }
  const onRejection = (reason: unknown): void => logger.error({ err: describeForLog(reason, secrets) }, 'unhandled promise rejection');
  // One bot per data folder: a second one (an overlapping restart) would answer every mention twice.
  const lock = shard ? null : lockForBot(app.config);
  proc.on('unhandledRejection', onRejection);
  try {
    return await runBot({ app, stop: stop.signal });
  } finally {
    proc.off('unhandledRejection', onRejection);
    lock?.release();
  }
}

export async function runBot({ app, stop, onReady }: RunBotOptions): Promise<number> {
  const { logger } = app;
  const token = requireDiscordToken(app.config);
  const assistant = await app.assistant({ buildIfMissing: true, notify: (line) => logger.info({}, line) });
  if (stop.aborted) return 0;
  const bot = await app.bot();
  try {
    const stopped = new Promise<void>((resolve) => {
      if (stop.aborted) resolve();
      else stop.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([login(bot, token), stopped]);
    if (!stop.aborted) {
      const about = await assistant.about();
      const appId = bot.client.application?.id;
      logger.info(
        { ...shardLogFields(bot.client), papers: about.papers, retrieval: about.retrieval, llm: about.llm, ...(appId ? { invite: inviteUrl(appId) } : {}) },
        'paperbot is answering on Discord (Ctrl-C to stop)',
      );
      if (bot.client.guilds.cache.size === 0 && appId) logger.warn({ invite: inviteUrl(appId) }, 'the bot is in no server yet: open the invite URL to add it');
      onReady?.(bot);
      const fatal = await Promise.race([stopped.then(() => null), bot.fatalDisconnect]);
      // runMain prints the sentence and exits 1.
      if (fatal !== null) throw fatal;
    }
    return 0;
  } finally {
    await bot.shutdown().catch((error: unknown) => logger.error({ err: describeForLog(error, [token]) }, 'shutdown failed'));
  }
}

/** What to fix when Discord refused the token (at login, or when the sharding parent asks how to shard). */
export const TOKEN_REJECTED_HINT = 'Discord rejected the bot token; put the current one in DISCORD_TOKEN (Developer Portal → your application → Bot → Reset Token)';
/** What to check when Discord could not be reached. */
export const UNREACHABLE_HINT = 'check the network and DISCORD_API_URL';

async function login(bot: PaperBot, token: string): Promise<void> {
  try {
    await bot.start();
  } catch (error) {
    if (isUserError(error)) throw error;
    const reason = scrubSecrets(error instanceof Error ? error.message : String(error), [token]);
    const hint = /intent/i.test(reason)
      ? 'DISCORD_MESSAGE_CONTENT=true needs the Message Content intent enabled in the Developer Portal (your application → Bot → Privileged Gateway Intents); enable it or set DISCORD_MESSAGE_CONTENT=false'
      : /token|401|unauthori[sz]ed|authentication failed/i.test(reason)
        ? TOKEN_REJECTED_HINT
        : UNREACHABLE_HINT;
    throw new UserError('E_DISCORD_LOGIN', `Could not log in to Discord (${reason}): ${hint}.`, { cause: error });
  }
}
