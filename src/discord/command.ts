/**
 * What commands and buttons are given and must provide. Commands are thin (create-discord-bot's shape: one
 * file each, `{ data, execute, autocomplete? } satisfies Command`): they read options, call the assistant
 * and a pure renderer, and reply. Everything they need arrives in `BotServices`, so tests can pass fakes.
 */
import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
  StringSelectMenuInteraction,
} from 'discord.js';
import type { Assistant } from '../assistant/assistant.ts';
import type { Awaitable } from '../core/awaitable.ts';
import type { FeedbackStore } from '../core/feedback/feedback-store.ts';
import type { GuildSettingsStore } from '../core/settings/guild-settings.ts';
import type { JobRun } from '../core/jobs/job-runs.ts';
import type { Logger } from '../core/logger.ts';
import type { DigestService } from '../digest/digest-service.ts';
import type { ArxivService } from '../sources/arxiv/arxiv-service.ts';
import type { ButtonKind } from './custom-ids.ts';
import type { QuestionLimiter, RateLimit } from './rate-limiter.ts';

/** The part of the Assistant the bot uses. */
export type BotAssistant = Pick<Assistant, 'stream' | 'findPapers' | 'resolvePaper' | 'lookupPapers' | 'lookupPaper' | 'similar' | 'about' | 'llmModel'>;

/** What the bot keeps of its answers and their votes. */
export type BotFeedback = Pick<FeedbackStore, 'recordAnswer' | 'recordVote' | 'getAnswer' | 'evidence'>;

export interface BotSettings {
  /** The privileged Message Content intent is enabled: follow-ups in the bot's threads need no mention. */
  messageContent: boolean;
  rateLimit: RateLimit;
  maxQuestionLength: number;
  /** Minimum time between progress edits of one answer. */
  progressIntervalMs: number;
  /** Earlier exchanges (question + answer) given as context to a follow-up. */
  historyTurns: number;
}

export interface BotServices {
  assistant: BotAssistant;
  feedback: BotFeedback;
  limiter: QuestionLimiter;
  settings: BotSettings;
  logger: Logger;
  /** Whether a language model is configured: an extractive answer then means it failed. */
  llmConfigured: boolean;
  /** Aborted when shutdown's grace period is over: answers still being written stop. */
  shutdownSignal: AbortSignal;
  /** Scrubbed from everything logged (the bot token). */
  secrets: readonly string[];
  now: () => number;
  /** The daily digests (`/digest`); null when this bot was started without them. */
  digest: DigestService | null;
  /** arXiv for `/add` and `/about`'s fetch lines; null when this bot was started without it. */
  arxiv: BotArxiv | null;
  /** Each server's /settings; null when this bot was started without them (the defaults then hold). */
  guildSettings: GuildSettingsStore | null;
  /**
   * Claims an incoming event (`interaction:<id>`, `message:<id>`) before it is answered: false when another
   * process sharing the state took it. Discord sends a shard's events to every session connected as that
   * shard, so two bot processes on one database (failover, a second machine) would otherwise both answer.
   */
  claimEvent: (key: string) => Promise<boolean>;
}

export interface BotArxiv {
  add: ArxivService['add'];
  status: ArxivService['status'];
  /** ARXIV_CATEGORIES: what the bot fetches every day (empty: nothing). */
  dailyCategories: readonly string[];
  /** The last daily fetch claimed in the shared state, by whichever process (undefined: none, or no daily fetch). */
  lastDailyFetch?: () => Awaitable<JobRun | undefined>;
}

/** What a command's registered definition may depend on (the deploy script reads it from the config). */
export interface DefinitionSettings {
  maxQuestionLength: number;
}

export interface Command {
  data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** The definition to register when it depends on the settings; default `data.toJSON()`. */
  define?(settings: DefinitionSettings): RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, services: BotServices): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, services: BotServices): Promise<void>;
}

export interface ButtonHandler {
  kind: ButtonKind;
  execute(interaction: ButtonInteraction, services: BotServices): Promise<void>;
}

/** A message context-menu command (right-click a message → Apps): `{ data, execute }` like a slash command. */
export interface MessageCommand {
  data: { readonly name: string; toJSON(): RESTPostAPIContextMenuApplicationCommandsJSONBody };
  execute(interaction: MessageContextMenuCommandInteraction, services: BotServices): Promise<void>;
}

/** A select menu the bot sent, found again by its custom id (modals are dispatched by components/modals.ts). */
export interface SelectHandler {
  kind: string;
  execute(interaction: StringSelectMenuInteraction, services: BotServices): Promise<void>;
}
