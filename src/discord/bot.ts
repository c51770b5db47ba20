/**
 * The Discord client and its event wiring: only the intents paperbot needs, "ping nobody" as the client
 * default, one error boundary around every event (a request id per event; failures told to the person with
 * that id and logged with the stack under it), every piece of work tracked so shutdown can stop taking new
 * work, let answers in flight finish for a bounded time, then close the connection.
 */
import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  type ButtonInteraction,
  type Interaction,
  type Message,
  type RepliableInteraction,
} from 'discord.js';
import type { Logger } from '../core/logger.ts';
import type { DigestService } from '../digest/digest-service.ts';
import type { BotArxiv, BotAssistant, BotFeedback, BotServices, BotSettings, ButtonHandler, Command } from './command.ts';
import type { DailyFetch } from '../sources/daily-fetch.ts';
import { commands as allCommands } from './commands/index.ts';
import { buttonHandlers } from './components/buttons.ts';
import { handleModal } from './components/modals.ts';
import { handleMessage, UnpostableChannels } from './conversation.ts';
import { handleMenu } from './components/menus.ts';
import { buttonKind } from './custom-ids.ts';
import { describeForLog } from '../core/redact-secrets.ts';
import { fatalCloseSentence, userFacingMessage } from './errors.ts';
import { UserError } from '../core/errors.ts';
import type { QuestionLimiter } from './rate-limiter.ts';
import { currentRequestId, newRequestId, runWithRequest } from '../core/request-context.ts';
import { SHUTTING_DOWN_NOTICE } from './render/info-messages.ts';
import { NO_PINGS } from './render/outgoing-message.ts';
import { runsShardZero, shardLogFields } from './shard-info.ts';

export interface PaperBotOptions {
  token: string;
  /** REST base, e.g. https://discord.com/api; the gateway URL is then asked from it. */
  apiUrl: string;
  settings: BotSettings;
  assistant: BotAssistant;
  feedback: BotFeedback;
  /** Questions per user per window (built by the caller so a second process could share one). */
  limiter: QuestionLimiter;
  logger: Logger;
  /** How long answers in flight may take to finish at shutdown. */
  shutdownGraceMs: number;
  now?: () => number;
  /** REST tuning; tests lower the timeout. */
  rest?: { timeout?: number; retries?: number };
  /**
   * The daily digests, built by the caller: started once the bot is ready (digests then post on schedule),
   * stopped at shutdown, and what `/digest` uses. None: `/digest` says digests are not running.
   */
  digest?: DigestService;
  /** arXiv for `/add` and `/about`. None: `/add` says it is not available. */
  arxiv?: BotArxiv;
  /** The daily arXiv fetch (ARXIV_CATEGORIES), started once the bot is ready and stopped at shutdown. */
  dailyFetch?: DailyFetch | null;
  /** Each server's /settings. None: /settings says so and the defaults hold. */
  guildSettings?: NonNullable<BotServices['guildSettings']>;
  /** Claims each event in the shared state (several processes on one database). None: this process answers everything. */
  claimEvent?: BotServices['claimEvent'];
}

/** The gateway intents: guilds (channels, threads), guild messages and DMs (mentions, follow-ups), and Message Content only when enabled. */
export function gatewayIntents(messageContent: boolean): GatewayIntentBits[] {
  return [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.DirectMessages,
    ...(messageContent ? [GatewayIntentBits.MessageContent] : []),
  ];
}

export class PaperBot {
  readonly client: Client;
  private readonly services: BotServices;
  private readonly commands: Map<string, Command>;
  private readonly buttons: Map<string, ButtonHandler>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  /** Channels where a mention could not be answered for lack of permissions (logged once each). */
  private readonly unpostable = new UnpostableChannels();
  private stopping = false;
  private stopped: Promise<void> | null = null;
  /** Resolves when the gateway session is ready (guilds received). */
  private readonly ready: Promise<void>;
  /** Resolves with what to fix when Discord closes the gateway for good (4004, 4013, 4014): discord.js stops reconnecting then. */
  readonly fatalDisconnect: Promise<UserError>;

  constructor(private readonly options: PaperBotOptions) {
    const { logger, settings } = options;
    this.client = new Client({
      intents: gatewayIntents(settings.messageContent),
      // DM channels are not cached before their first message; without this partial DMs are dropped.
      partials: [Partials.Channel],
      allowedMentions: NO_PINGS,
      // A reply to a message deleted meanwhile becomes a plain message instead of an error.
      failIfNotExists: false,
      rest: { api: options.apiUrl, ...options.rest },
    });
    this.services = {
      assistant: options.assistant,
      feedback: options.feedback,
      limiter: options.limiter,
      settings,
      logger,
      llmConfigured: options.assistant.llmModel !== null,
      shutdownSignal: this.abort.signal,
      secrets: [options.token],
      now: options.now ?? Date.now,
      digest: options.digest ?? null,
      arxiv: options.arxiv ?? null,
      guildSettings: options.guildSettings ?? null,
      claimEvent: options.claimEvent ?? (() => Promise.resolve(true)),
    };
    this.commands = new Map(allCommands.map((c) => [c.data.name, c]));
    this.buttons = new Map(buttonHandlers.map((b) => [b.kind, b]));

    this.client.on(Events.InteractionCreate, (interaction) => this.track(() => this.onInteraction(interaction)));
    this.client.on(Events.MessageCreate, (message) => {
      if (!this.stopping && !message.author.bot) this.track(() => this.onMessage(message));
    });
    this.ready = new Promise<void>((resolve) =>
      this.client.once(Events.ClientReady, (client) => {
        logger.info({ user: client.user.tag, userId: client.user.id, ...shardLogFields(client), guilds: client.guilds.cache.size, intents: settings.messageContent ? 'with Message Content' : 'without Message Content' }, 'connected to Discord');
        resolve();
      }),
    );
    this.client.on(Events.Error, (error) => logger.error({ err: describeForLog(error, this.services.secrets) }, 'Discord client error'));
    this.client.on(Events.Warn, (message) => logger.warn({ message }, 'Discord client warning'));
    this.fatalDisconnect = new Promise<UserError>((resolve) =>
      this.client.on(Events.ShardDisconnect, ({ code }) => {
        logger.warn({ code }, 'disconnected from the Discord gateway');
        const sentence = fatalCloseSentence(code);
        if (sentence !== null && !this.stopping) resolve(new UserError('E_DISCORD_GATEWAY', sentence));
      }),
    );
    this.client.on(Events.ShardResume, () => logger.info({}, 'resumed the Discord gateway session'));
  }

  /**
   * Logs in and resolves once ready (guilds received); then the digest jobs start, in every shard (a day's claim
   * posts it once), and post what is due today in the background; the daily fetch starts only in shard 0's process.
   */
  async start(): Promise<void> {
    await this.client.login(this.options.token);
    await this.ready;
    if (!this.stopping) await this.options.digest?.start();
    if (!this.stopping && runsShardZero(this.client)) this.options.dailyFetch?.start();
  }

  /** Answers being worked on now. */
  get busy(): number {
    return this.inFlight.size;
  }

  /**
   * Stops taking work (new commands get a "restarting" notice), waits up to the grace period for answers in
   * flight, interrupts the rest (they tell their user), then closes the connection. Idempotent.
   */
  shutdown(): Promise<void> {
    this.stopped ??= this.doShutdown();
    return this.stopped;
  }

  private async doShutdown(): Promise<void> {
    const { logger } = this.options;
    this.stopping = true;
    const started = Date.now();
    logger.info({ inFlight: this.inFlight.size, graceMs: this.options.shutdownGraceMs }, 'shutting down: no new questions, finishing answers in flight');
    // No digest starts from now on; one being sent finishes within the same grace period (its day is
    // claimed, so if it is cut short it is not sent again after a restart).
    const digestStopped = Promise.all([this.options.digest?.stop(), this.options.dailyFetch?.stop()]);
    const finished = await settleWithin([...this.inFlight, digestStopped], this.options.shutdownGraceMs);
    if (!finished) {
      logger.warn({ inFlight: this.inFlight.size }, 'grace period over: interrupting the answers still in flight');
      this.abort.abort();
      this.options.digest?.interrupt();
      // They only need to post their "interrupted" notice now.
      await settleWithin([...this.inFlight, digestStopped], 5_000);
    }
    await this.client.destroy();
    logger.info({ ms: Date.now() - started, interrupted: !finished }, 'disconnected from Discord');
  }

  /** Runs one piece of work under its own request id, tracked until it settles. Never rejects. */
  private track(work: () => Promise<void>): void {
    const requestId = newRequestId();
    const task = runWithRequest(requestId, () =>
      work().catch((error: unknown) => {
        this.options.logger.error({ errorId: requestId, err: describeForLog(error, this.services.secrets) }, 'unhandled error in an event handler');
      }),
    );
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    const { logger } = this.options;
    if (interaction.isAutocomplete()) {
      const command = this.commands.get(interaction.commandName);
      try {
        if (this.stopping || command?.autocomplete === undefined) await interaction.respond([]);
        else await command.autocomplete(interaction, this.services);
      } catch (error) {
        logger.warn({ err: describeForLog(error, this.services.secrets), command: interaction.commandName }, 'autocomplete failed');
      }
      return;
    }
    const other = interaction.isMessageContextMenuCommand() || interaction.isStringSelectMenu() || interaction.isModalSubmit();
    if (!interaction.isChatInputCommand() && !interaction.isButton() && !other) return;
    const name = interaction.isCommand() ? `/${interaction.commandName}` : `${interaction.isButton() ? 'button' : interaction.isModalSubmit() ? 'modal' : 'menu'} ${interaction.customId.split(':')[0] ?? ''}`;
    try {
      if (this.stopping) {
        await interaction.reply({ content: SHUTTING_DOWN_NOTICE, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
        return;
      }
      logger.debug({ interaction: name, userId: interaction.user.id, guildId: interaction.guildId }, 'interaction');
      if (!(await this.services.claimEvent(`interaction:${interaction.id}`))) return; // another process answers it
      if (interaction.isChatInputCommand()) {
        const command = this.commands.get(interaction.commandName);
        if (command === undefined) {
          await interaction.reply({ content: `I do not know /${interaction.commandName}; the registered commands may be out of date (run \`npm run deploy-commands\`).`, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
          return;
        }
        await command.execute(interaction, this.services);
      } else if (interaction.isButton()) {
        await this.onButton(interaction);
      } else if (interaction.isModalSubmit()) {
        await handleModal(interaction, this.services);
      } else {
        await handleMenu(interaction, this.services);
      }
    } catch (error) {
      await this.reportInteractionError(interaction, error, name);
    }
  }

  private async onButton(interaction: ButtonInteraction): Promise<void> {
    const kind = buttonKind(interaction.customId);
    const handler = kind === null ? undefined : this.buttons.get(kind);
    if (handler === undefined) {
      await interaction.reply({ content: 'This button is not handled by this version of paperbot.', flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
      return;
    }
    await handler.execute(interaction, this.services);
  }

  private async onMessage(message: Message): Promise<void> {
    const botId = this.client.user?.id;
    if (botId === undefined) return;
    try {
      await handleMessage(message, this.services, botId, this.unpostable);
    } catch (error) {
      const errorId = errorIdForRequest();
      this.options.logger.error({ errorId, err: describeForLog(error, this.services.secrets) }, 'answering a message failed');
      await message.reply({ content: userFacingMessage(error, errorId), allowedMentions: NO_PINGS }).catch((replyError: unknown) => {
        this.options.logger.warn({ err: describeForLog(replyError, this.services.secrets) }, 'could not tell the user that answering failed');
      });
    }
  }

  /** The error boundary of commands and buttons: the person gets a short message with the id, the log the stack. */
  private async reportInteractionError(interaction: RepliableInteraction, error: unknown, name: string): Promise<void> {
    const { logger } = this.options;
    const errorId = errorIdForRequest();
    logger.error({ errorId, interaction: name, err: describeForLog(error, this.services.secrets) }, 'interaction failed');
    const content = userFacingMessage(error, errorId);
    try {
      if (interaction.deferred && !interaction.replied) await interaction.editReply({ content, components: [], embeds: [], allowedMentions: NO_PINGS });
      else if (interaction.deferred || interaction.replied) await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
      else await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
    } catch (replyError) {
      logger.warn({ errorId, err: describeForLog(replyError, this.services.secrets) }, 'could not tell the user about the error');
    }
  }
}

/** The error id shown for a failure: the request's id, which every log line of the request already carries. */
function errorIdForRequest(): string {
  return currentRequestId() ?? newRequestId();
}

/** True when every promise settled within `ms`. */
async function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  if (promises.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
