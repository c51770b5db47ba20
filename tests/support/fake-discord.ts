/**
 * A fake Discord for end-to-end tests: REST (node:http) and the gateway (ws) on 127.0.0.1, complete enough
 * that the real discord.js v14 Client logs in, receives interactions and messages, and answers them.
 *
 * Every REST call is recorded (method, decoded path, query, JSON body, files) so tests assert on what the
 * bot actually sent. Payloads are full objects because discord.js throws on a missing field, and the throw
 * surfaces only as an unhandledRejection. Where Discord enforces a rule a bot can break (message and embed
 * limits, 25 autocomplete choices, the 3-second acknowledgement, one response per interaction, no content
 * without the Message Content intent), the fake enforces it too, with Discord's error codes.
 *
 * Sharding as on Discord: GET /gateway/bot recommends `recommendedShards`; an IDENTIFY's `shard: [id, count]`
 * is checked (4010 Invalid shard), its READY and GUILD_CREATEs hold only its own guilds, and each event about
 * a guild reaches only the session of shard `(guild_id >> 22) % count`; events about no guild (DMs) reach
 * shard 0 (fake-discord/shards.ts).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import {
  ApplicationCommandOptionType,
  ChannelType,
  ComponentType,
  EmbedType,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  InteractionResponseType,
  InteractionType,
  Locale,
  MessageFlags,
  MessageType,
  PermissionFlagsBits,
  type APIActionRowComponent,
  type ApplicationFlags,
  type ChannelFlags,
  type GuildMemberFlags,
  type GuildSystemChannelFlags,
  type ThreadMemberFlags,
  type RoleFlags,
  type UserFlags,
  type APIApplicationCommand,
  type APIApplicationCommandInteractionDataOption,
  type APIApplicationCommandOption,
  type APIApplicationCommandOptionChoice,
  type APIAttachment,
  type APIComponentInMessageActionRow,
  type APIDMChannel,
  type APIEmbed,
  type APIGuildMember,
  type APIInteractionDataResolved,
  type APIMessage,
  type APIOverwrite,
  type APIRole,
  type APITextChannel,
  type APIThreadChannel,
  type APIUser,
  type GatewayGuildCreateDispatchData,
  type GatewayReadyDispatchData,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import { channelPermissions, missingPermissions } from './fake-discord/permissions.ts';
import { guildOfEvent, identifiedShard, shardOfGuild, shardReceives, type ShardPair } from './fake-discord/shards.ts';
import {
  autoArchiveErrors,
  commandFieldErrors,
  componentErrors,
  embedFieldErrors,
  formError,
  loneSurrogateErrors,
  nonceErrors,
  type FormError,
} from './fake-discord/validate-payloads.ts';

// ---------------------------------------------------------------------------------------------------------
// Public types

export interface FakeDiscordOptions {
  /** The bot's user; id and username are generated when absent. */
  botUser?: { id?: string; username?: string };
  applicationId?: string;
  /** The token the bot must present (REST `Authorization: Bot …`, IDENTIFY). Any token when absent. */
  token?: string;
  /** Guilds the bot is in. Default: one guild "Fake Guild" with a #general text channel. */
  guilds?: FakeGuildOptions[];
  /** Heartbeat interval sent in HELLO; Discord's is about 41 s. */
  heartbeatIntervalMs?: number;
  /** An interaction acknowledged later than this gets 404 Unknown interaction, as on Discord (3 s). */
  interactionDeadlineMs?: number;
  /** Dispatch MESSAGE_CREATE for what the bot posts, as Discord does (a bot must ignore itself). Default true. */
  echoBotMessages?: boolean;
  /**
   * The privileged intents enabled for the application in the Developer Portal (GuildMembers, GuildPresences,
   * MessageContent bits). IDENTIFY asking for another one is closed with 4014, as on Discord. Default: all three.
   */
  privilegedIntents?: number;
  /**
   * The clock of interaction deadlines, in milliseconds (default `performance.now`): a test moves it to see a
   * token expire (3 s to acknowledge, 15 minutes for follow-ups and edits) without waiting.
   */
  now?: () => number;
  /** The token IDENTIFY must carry when it is not `token` (the gateway rejects it with 4004 while REST accepts `token`). */
  gatewayToken?: string;
  /** The shard count GET /gateway/bot recommends (`shards`). Default 1. */
  recommendedShards?: number;
  /** GET /gateway/bot's `session_start_limit.max_concurrency`: how many shards may IDENTIFY per 5 s. Default 1. */
  maxConcurrency?: number;
}

const PRIVILEGED_INTENTS = GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;
/** The intents Discord knows (bits 0-25 as of API v10); IDENTIFY with another bit is closed with 4013. */
const KNOWN_INTENTS = Object.values(GatewayIntentBits).filter((v): v is number => typeof v === 'number').reduce((all, bit) => all | bit, 0);

export interface FakeGuildOptions {
  id?: string;
  name?: string;
  ownerId?: string;
  /** Text channels, by name or with a fixed id and permission overwrites. Default: `['general']`. */
  channels?: Array<string | { id?: string; name: string; overwrites?: APIOverwrite[] }>;
  /** Extra roles, e.g. `{ name: 'Mods', permissions: PermissionFlagsBits.ManageGuild }`. */
  roles?: Array<{ id?: string; name: string; permissions: bigint }>;
  /** What the bot's own role grants. Default: what paperbot's invite asks for. */
  botPermissions?: bigint;
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  /** `roles[0]` is @everyone (its id is the guild id), `roles[1]` the bot's managed role. */
  roles: APIRole[];
  channels: APITextChannel[];
}

export type FakeRoute =
  | 'GET /gateway'
  | 'GET /gateway/bot'
  | 'GET /users/@me'
  | 'POST /users/@me/channels'
  | 'GET /users/:userId'
  | 'GET /oauth2/applications/@me'
  | 'GET /applications/@me'
  | 'GET /applications/:applicationId/commands'
  | 'PUT /applications/:applicationId/commands'
  | 'POST /applications/:applicationId/commands'
  | 'GET /applications/:applicationId/guilds/:guildId/commands'
  | 'PUT /applications/:applicationId/guilds/:guildId/commands'
  | 'POST /interactions/:interactionId/:token/callback'
  | 'POST /webhooks/:applicationId/:token'
  | 'GET /webhooks/:applicationId/:token/messages/:messageId'
  | 'PATCH /webhooks/:applicationId/:token/messages/:messageId'
  | 'DELETE /webhooks/:applicationId/:token/messages/:messageId'
  | 'GET /channels/:channelId'
  | 'PATCH /channels/:channelId'
  | 'GET /channels/:channelId/messages'
  | 'POST /channels/:channelId/messages'
  | 'GET /channels/:channelId/messages/:messageId'
  | 'PATCH /channels/:channelId/messages/:messageId'
  | 'DELETE /channels/:channelId/messages/:messageId'
  | 'POST /channels/:channelId/messages/:messageId/threads'
  | 'POST /channels/:channelId/threads'
  | 'POST /channels/:channelId/typing'
  | 'PUT /channels/:channelId/thread-members/@me'
  | 'PUT /channels/:channelId/messages/:messageId/reactions/:emoji/@me'
  | 'GET /guilds/:guildId'
  | 'GET /guilds/:guildId/channels'
  | 'GET /guilds/:guildId/roles'
  | 'GET /guilds/:guildId/members/:userId';

type ParamName = 'applicationId' | 'channelId' | 'emoji' | 'guildId' | 'interactionId' | 'messageId' | 'token' | 'userId';

/** A message as a bot sends it (channel message, webhook message, or the `data` of a callback). */
export type MessageBody = RESTPostAPIChannelMessageJSONBody;
/** The `data` of an interaction callback: a message, autocomplete choices, or a modal. */
export type CallbackData = MessageBody & { choices?: APIApplicationCommandOptionChoice[]; custom_id?: string; title?: string };

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

export interface RecordedCall {
  method: string;
  /** Below `/api/v10`, percent-decoded: `/webhooks/1/tok/messages/@original`. */
  path: string;
  /** The route that answered; null for an unknown route (answered 404). */
  route: FakeRoute | null;
  params: Partial<Record<ParamName, string>>;
  query: Record<string, string>;
  /** Parsed JSON body (`payload_json` of a multipart body); undefined without a body. */
  body: unknown;
  files: RecordedFile[];
  /** The message this call posts or edits: the body of message routes, `data` of callbacks 4 and 7. */
  message: MessageBody | null;
  /** For interaction callbacks: the response type (4 reply, 5 defer, 6 deferUpdate, 7 update, 8 choices). */
  callback: { type: InteractionResponseType; data: CallbackData | null } | null;
  /** The interaction this call answers (its callback, or a webhook call with its token). */
  interactionId: string | null;
  /** The route's channel, or the channel of the interaction answered. */
  channelId: string | null;
  authorization: string | null;
  status: number;
  response: unknown;
  /** `performance.now()` when the request arrived. */
  at: number;
}

export interface CallFilter {
  method?: string;
  route?: FakeRoute | null;
  path?: string | RegExp;
  channelId?: string;
  interactionId?: string;
}
export type CallMatcher = CallFilter | ((call: RecordedCall) => boolean);

/** A user given to a dispatcher: a known user, or the fields of a new one. */
export type UserInput = APIUser | { id?: string; username?: string; bot?: boolean };

/** An option value; ids of channels, users and roles are wrapped so the fake can resolve them. */
export type OptionValue = string | number | boolean | { channel: string } | { user: string } | { role: string };

export interface InteractionOptions {
  /** 2 (chat-input command, default), 3 (button) or 4 (autocomplete); 5 (modal submit) through `modalSubmit`. */
  type?: InteractionType.ApplicationCommand | InteractionType.MessageComponent | InteractionType.ApplicationCommandAutocomplete | InteractionType.ModalSubmit;
  /** The interaction's `data` as given (message context menus, select menus, modal submits: see their dispatchers). */
  data?: object;
  /** Command name (commands and autocomplete). */
  name?: string;
  subcommandGroup?: string;
  subcommand?: string;
  /** Option values by name. Types come from the registered command when there is one, else from the value. */
  options?: Record<string, OptionValue>;
  /** Autocomplete: the option being typed; its value in `options` is the text typed so far. */
  focused?: string;
  /** Button: its custom_id, and the message carrying it (default: a new bot message with that button). */
  customId?: string;
  messageId?: string;
  /** Modal submit (type 5, with `customId`): the text typed into each text input, by its custom_id. */
  fields?: Record<string, string>;
  user?: UserInput;
  /** Channel (text channel or thread); default the first guild's first channel. */
  channelId?: string;
  /** From a DM with the bot instead of a guild. */
  dm?: boolean;
  /**
   * Used through a user install only (the server has not installed the app): `authorizing_integration_owners`
   * holds just the user; with `privateChannel`, from a DM between the user and someone else (context 2), a
   * channel the bot cannot see. The command must be registered for that install type and context, as
   * Discord offers it nowhere else; the answer gets at most 5 follow-ups.
   */
  userInstall?: boolean;
  privateChannel?: boolean;
  /** The member's computed permissions; default @everyone's (no Manage Server). */
  memberPermissions?: bigint;
  memberRoles?: string[];
  locale?: string;
}

export interface MessageOptions {
  content?: string;
  author?: UserInput;
  /** Text channel or thread; default the first guild's first channel. */
  channelId?: string;
  /** Prefix the content with a mention of the bot (unless it already has one). */
  mentionsBot?: boolean;
  /** Sent in a DM with the bot. */
  dm?: boolean;
  /** Makes the message a reply to this message. */
  replyTo?: string;
  embeds?: APIEmbed[];
}

export interface DispatchedInteraction {
  id: string;
  token: string;
  channelId: string;
  guildId: string | null;
  userId: string;
  /** Buttons: the message the button is on. */
  messageId: string | null;
}

export interface DispatchedMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  authorId: string;
}

interface RateLimitReply {
  retryAfterS: number;
  global: boolean;
}

/** Failure a channel answers with: 403 Missing Access (50001), 404 Unknown Channel (10003), or any error. */
export type ChannelFailure = 403 | 404 | { status: number; code: number; message: string };

/** Follow-up messages Discord allows per interaction for an app installed only by the user. */
export const USER_INSTALL_FOLLOW_UPS = 5;

// ---------------------------------------------------------------------------------------------------------
// Discord-shaped errors


class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors: FormError[] = [],
    /** More top-level fields of the body (a 429's `retry_after` and `global`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toBody(): object {
    if (this.errors.length === 0) return { message: this.message, code: this.code, ...this.extra };
    // Discord nests field errors by path: { embeds: { 0: { title: { _errors: [...] } } } }.
    const errors: Record<string, unknown> = {};
    for (const { path, code, message } of this.errors) {
      let node = errors;
      for (const key of path.split('.')) node = (node[key] ??= {}) as Record<string, unknown>;
      ((node._errors ??= []) as unknown[]).push({ code, message });
    }
    return { message: this.message, code: this.code, errors };
  }
}

const unknownChannel = (): ApiError => new ApiError(404, 10003, 'Unknown Channel');
const unknownMessage = (): ApiError => new ApiError(404, 10008, 'Unknown Message');
const unknownWebhook = (): ApiError => new ApiError(404, 10015, 'Unknown Webhook');
const unknownInteraction = (): ApiError => new ApiError(404, 10062, 'Unknown interaction');
const unknownUser = (): ApiError => new ApiError(404, 10013, 'Unknown User');
const unknownGuild = (): ApiError => new ApiError(404, 10004, 'Unknown Guild');
const wrongChannelType = (): ApiError => new ApiError(400, 50024, 'Cannot execute action on this channel type');
const invalidForm = (errors: FormError[]): ApiError => new ApiError(400, 50035, 'Invalid Form Body', errors);

/** Discord refuses a link that is not a well formed http(s) or discord: URL, or is longer than its field allows. */
function checkUrl(path: string, url: string, limit: number, errors: FormError[]): void {
  if (url.length > limit) errors.push(tooLong(path, limit));
  else if (!/^(https?|discord):\/\/[^\s<>]+$/i.test(url) || !URL.canParse(url)) errors.push(formError(path, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.'));
}
const tooLong = (path: string, limit: number): FormError =>
  formError(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${limit} or fewer in length.`);
const badLength = (path: string, min: number, max: number): FormError =>
  formError(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);

// ---------------------------------------------------------------------------------------------------------
// Internal state

const API_PREFIX = '/api/v10';
const INTERACTION_TOKEN_MS = 15 * 60_000;
const EPHEMERAL = MessageFlags.Ephemeral;
const LOADING = MessageFlags.Loading;
const DISCORD_EPOCH = 1_420_070_400_000n;

/** What the bot's own role grants unless a guild says otherwise: reading, writing, threads, embeds, reactions. */
const BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.CreatePublicThreads |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AddReactions;
/** What @everyone may do in a fresh server (no Manage Server): as much as the bot, plus files and slash commands. */
const EVERYONE_PERMISSIONS = BOT_PERMISSIONS | PermissionFlagsBits.AttachFiles | PermissionFlagsBits.UseApplicationCommands;

type FakeChannel = APITextChannel | APIThreadChannel | APIDMChannel;

interface RouteContext {
  params: Record<ParamName, string>;
  query: Record<string, string>;
  body: Record<string, unknown>;
  rawBody: unknown;
  files: RecordedFile[];
}
interface RouteReply {
  status: number;
  body?: unknown;
}
type RouteHandler = (ctx: RouteContext) => RouteReply;

interface InteractionState {
  id: string;
  token: string;
  type: InteractionType;
  channelId: string;
  guildId: string | null;
  user: APIUser;
  owners: Record<string, string>;
  dispatchedAt: number;
  acknowledged: boolean;
  /** The response message (`@original`) once there is one. */
  original: APIMessage | null;
  /** Buttons: the message clicked. */
  componentMessage: APIMessage | null;
  followUps: Set<string>;
}

interface MessageFields {
  author: APIUser;
  content?: string;
  embeds?: APIEmbed[];
  components?: unknown[];
  attachments?: APIAttachment[];
  flags?: number;
  allowedMentions?: MessageBody['allowed_mentions'];
  replyTo?: string;
  interaction?: InteractionState;
}

interface GatewaySession {
  id: string;
  intents: number;
  socket: WebSocket | null;
  seq: number;
  /** `[shard_id, num_shards]` from IDENTIFY: the session receives only its guilds' events (DMs: shard 0). */
  shard: ShardPair;
  /** Dispatches kept for RESUME. */
  history: Array<{ s: number; t: string; d: unknown }>;
}

interface Waiter {
  matches: (call: RecordedCall) => boolean;
  resolve: (call: RecordedCall) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Routes that carry a message body (the callback carries it in `data`). */
const MESSAGE_ROUTES = new Set<FakeRoute>([
  'POST /channels/:channelId/messages',
  'PATCH /channels/:channelId/messages/:messageId',
  'POST /webhooks/:applicationId/:token',
  'PATCH /webhooks/:applicationId/:token/messages/:messageId',
]);

/** Routes that need no bot token (interaction webhooks authenticate by their token). */
const isTokenRoute = (path: string): boolean =>
  path.startsWith('/interactions/') || path.startsWith('/webhooks/') || path === '/gateway';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------------------
// The fake

export class FakeDiscord {
  /** What a client passes as `rest.api`; discord.js appends `/v10`. */
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly botUser: APIUser;
  readonly applicationId: string;
  readonly guilds: FakeGuild[] = [];
  /** A user for dispatchers given none. */
  readonly defaultUser: APIUser;
  /** Every REST call, in arrival order. */
  readonly calls: RecordedCall[] = [];
  /** Gateway payloads received from clients (token redacted) and the paths clients connected to. */
  readonly gatewayLog: Array<{ op: number; d: unknown; at: number }> = [];
  readonly connections: Array<{ path: string; at: number }> = [];
  /** Every dispatch sent, with the shard of the session it went to (a sharded bot's events reach one shard each). */
  readonly dispatches: Array<{ event: string; shard: ShardPair; guildId: string | null }> = [];

  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly options: FakeDiscordOptions;
  private readonly routes: Array<{ method: string; segments: string[]; route: FakeRoute; handler: RouteHandler }>;
  private readonly users = new Map<string, APIUser>();
  private readonly channels = new Map<string, FakeChannel>();
  private readonly messages = new Map<string, APIMessage[]>();
  private readonly interactions = new Map<string, InteractionState>();
  private readonly globalCommands = new Map<string, APIApplicationCommand>();
  private readonly guildCommands = new Map<string, Map<string, APIApplicationCommand>>();
  private readonly channelFailures = new Map<string, ApiError>();
  /** Failures and 429s injected for the next calls that match (failNext, rateLimit). */
  private readonly injected: Array<{ matches: (call: RecordedCall) => boolean; times: number; reply: ApiError | RateLimitReply }> = [];
  private readonly sessions = new Map<string, GatewaySession>();
  private readonly waiters = new Set<Waiter>();
  private lastSnowflake = 0n;
  private readonly now: () => number;
  private closed = false;

  private constructor(server: Server, port: number, options: FakeDiscordOptions) {
    this.server = server;
    // A copy: resetToken() changes it, the caller's object stays as given.
    this.options = { ...options };
    this.now = options.now ?? (() => performance.now());
    this.apiUrl = `http://127.0.0.1:${port}/api`;
    this.gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
    this.applicationId = options.applicationId ?? this.snowflake();
    this.botUser = this.addUser({
      id: options.botUser?.id ?? this.applicationId,
      username: options.botUser?.username ?? 'paperbot',
      bot: true,
    });
    this.defaultUser = this.addUser({ username: 'alice' });
    for (const guild of options.guilds ?? [{}]) this.addGuild(guild);
    this.routes = Object.entries(this.buildRoutes()).map(([key, handler]) => {
      const [method = '', pattern = ''] = key.split(' ');
      return { method, segments: pattern.split('/').slice(1), route: key as FakeRoute, handler };
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new FakeDiscord(server, (server.address() as AddressInfo).port, options);
  }

  // ----- set-up and lookups ------------------------------------------------------------------------------

  addUser(input: UserInput = {}): APIUser {
    if ('discriminator' in input) {
      this.users.set(input.id, input);
      return input;
    }
    const id = input.id ?? this.snowflake();
    const existing = this.users.get(id);
    if (existing) return existing;
    const username = input.username ?? `user${this.users.size}`;
    const user: APIUser = {
      id,
      username,
      discriminator: '0',
      global_name: input.bot ? null : username,
      avatar: null,
      bot: input.bot ?? false,
      system: false,
      banner: null,
      accent_color: null,
      public_flags: 0 as UserFlags,
      flags: 0 as UserFlags,
      avatar_decoration_data: null,
    };
    this.users.set(id, user);
    return user;
  }

  /** A guild text channel or thread, by id or by name (first match across guilds). */
  channel(idOrName: string): APITextChannel | APIThreadChannel {
    const channel = this.channels.get(idOrName) ?? [...this.channels.values()].find((c) => c.name === idOrName);
    if (!channel || channel.type === ChannelType.DM) throw new Error(`fake Discord: no guild channel ${idOrName}`);
    return channel;
  }

  /** Messages stored in a channel, oldest first: what users sent through the fake and what the bot posted. */
  messagesIn(channelId: string): APIMessage[] {
    return [...(this.messages.get(channelId) ?? [])];
  }

  /** The DM channel between a user and the bot (created on first use, as Discord does). */
  dmChannelWith(userId: string): APIDMChannel {
    const existing = [...this.channels.values()].find(
      (c): c is APIDMChannel => c.type === ChannelType.DM && c.recipients?.[0]?.id === userId,
    );
    if (existing) return existing;
    const user = this.users.get(userId);
    if (!user) throw unknownUser();
    const channel: APIDMChannel = {
      id: this.snowflake(),
      type: ChannelType.DM,
      name: null,
      recipients: [user],
      last_message_id: null,
      last_pin_timestamp: null,
      flags: 0 as ChannelFlags,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** Registered commands, global or of one guild, as Discord stores them. */
  commands(guildId?: string): APIApplicationCommand[] {
    const store = guildId === undefined ? this.globalCommands : this.guildCommands.get(guildId);
    return [...(store?.values() ?? [])];
  }

  // ----- recorded calls ----------------------------------------------------------------------------------

  findCalls(matcher: CallMatcher = {}): RecordedCall[] {
    const matches = toPredicate(matcher);
    return this.calls.filter(matches);
  }

  /** Resolves with the first recorded call (already recorded or yet to come) that matches. */
  waitForCall(matcher: CallMatcher, timeoutMs = 2000): Promise<RecordedCall> {
    const matches = toPredicate(matcher);
    const found = this.calls.find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          const seen = this.calls.slice(-10).map((c) => `${c.method} ${c.path} → ${c.status}`);
          reject(new Error(`fake Discord: no matching call within ${timeoutMs} ms; last calls:\n  ${seen.join('\n  ') || '(none)'}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  // ----- failure injection -------------------------------------------------------------------------------

  /** Every REST call on this channel answers with the failure (403 Missing Access, 404 Unknown Channel); null restores it. */
  failChannel(channelId: string, failure: ChannelFailure | null): void {
    if (failure === null) this.channelFailures.delete(channelId);
    else if (failure === 403) this.channelFailures.set(channelId, new ApiError(403, 50001, 'Missing Access'));
    else if (failure === 404) this.channelFailures.set(channelId, unknownChannel());
    else this.channelFailures.set(channelId, new ApiError(failure.status, failure.code, failure.message));
  }

  /**
   * The next `times` calls that match answer with this failure instead (e.g. a 500 on a follow-up, a 403 on
   * an edit); the call is recorded with that status and has no effect.
   */
  failNext(matcher: CallMatcher, failure: { status: number; code: number; message: string }, times = 1): void {
    this.injected.push({ matches: toPredicate(matcher), times, reply: new ApiError(failure.status, failure.code, failure.message) });
  }

  /**
   * The next `times` calls that match answer 429 with `retry_after` (seconds), as Discord does: a route's
   * limit (`X-RateLimit-Scope: user`) or, with `global`, the bot's global limit (`X-RateLimit-Global`).
   * discord.js must wait it out and send the call again; the retry is recorded as a call of its own.
   */
  rateLimit(matcher: CallMatcher, { retryAfterS, global = false, times = 1 }: { retryAfterS: number; global?: boolean; times?: number }): void {
    this.injected.push({ matches: toPredicate(matcher), times, reply: { retryAfterS, global } });
  }

  /** Replaces a channel's permission overwrites and announces it (CHANNEL_UPDATE), as a moderator would. */
  async setPermissionOverwrites(channelId: string, overwrites: APIOverwrite[]): Promise<void> {
    const channel = this.channel(channelId);
    if (!('permission_overwrites' in channel)) throw new Error('fake Discord: threads take their parent\'s overwrites');
    channel.permission_overwrites = overwrites;
    await this.broadcast(GatewayDispatchEvents.ChannelUpdate, channel);
  }

  /** Sets what the bot's managed role grants in a guild and announces it (GUILD_ROLE_UPDATE). */
  async setBotPermissions(guildId: string, permissions: bigint): Promise<void> {
    const guild = this.requireGuild(guildId);
    const role = botRole(guild);
    role.permissions = permissions.toString();
    await this.broadcast(GatewayDispatchEvents.GuildRoleUpdate, { guild_id: guild.id, role });
  }

  /** What the bot may do in a channel (a thread: its parent's), from the guild's roles and the overwrites. */
  botPermissionsIn(channelId: string): bigint {
    const channel = this.channels.get(channelId);
    if (!channel || channel.type === ChannelType.DM) return EVERYONE_PERMISSIONS;
    const parent = 'permission_overwrites' in channel ? channel : this.channels.get(channel.parent_id ?? '');
    const guild = this.requireGuild(channel.guild_id ?? '');
    const overwrites = parent && 'permission_overwrites' in parent ? (parent.permission_overwrites ?? []) : [];
    return channelPermissions(
      { guildId: guild.id, ownerId: guild.ownerId, roles: guild.roles, userId: this.botUser.id, memberRoleIds: [botRole(guild).id] },
      overwrites,
    );
  }

  /**
   * The token is reset in the Developer Portal: from now on only `newToken` is accepted (REST and gateway),
   * and every open gateway connection is closed with 4004 Authentication failed, as Discord does.
   */
  async resetToken(newToken: string): Promise<void> {
    this.options.token = newToken;
    this.options.gatewayToken = newToken;
    await this.disconnect(4004, 'Authentication failed.');
    this.sessions.clear();
  }

  /** Closes every gateway connection with `code` (4000: the client resumes; 4004: it gives up). */
  async disconnect(code = 4000, reason = 'fake Discord disconnect'): Promise<void> {
    await Promise.all([...this.wss.clients].map((ws) => closeSocket(ws, code, reason)));
  }

  // ----- dispatchers -------------------------------------------------------------------------------------

  /** The `[shard_id, num_shards]` of every session that identified and has not closed normally. */
  sessionShards(): ShardPair[] {
    return [...this.sessions.values()].map((session) => session.shard);
  }

  /** Dispatches INTERACTION_CREATE: a chat-input command (default), autocomplete, or a button press. */
  async interaction(options: InteractionOptions = {}): Promise<DispatchedInteraction> {
    this.requireSession();
    const type = options.type ?? InteractionType.ApplicationCommand;
    const user = this.addUser(options.user ?? this.defaultUser);
    const channel = options.privateChannel
      ? this.privateChannelOf(user)
      : options.dm
        ? this.dmChannelWith(user.id)
        : this.channel(options.channelId ?? this.firstChannelId());
    const guildId = channel.type === ChannelType.DM ? null : (channel.guild_id ?? null);
    const guild = this.guilds.find((g) => g.id === guildId) ?? null;
    const context = options.privateChannel ? 2 : guild ? 0 : 1;
    const memberPermissions = options.memberPermissions ?? EVERYONE_PERMISSIONS;
    const member = guild ? { ...this.member(user, options.memberRoles ?? []), permissions: memberPermissions.toString() } : null;
    const id = this.snowflake();
    const token = `fake-interaction-${randomBytes(12).toString('hex')}`;
    const owners: Record<string, string> = options.userInstall || options.privateChannel ? { '1': user.id } : guildId ? { '0': guildId } : { '1': user.id };
    const state: InteractionState = {
      id,
      token,
      type,
      channelId: channel.id,
      guildId,
      user,
      owners,
      dispatchedAt: this.now(),
      acknowledged: false,
      original: null,
      componentMessage: null,
      followUps: new Set(),
    };

    let data: object;
    if (options.data !== undefined) {
      data = options.data;
      if (options.messageId) state.componentMessage = this.findMessage(channel.id, options.messageId);
    } else if (type === InteractionType.MessageComponent) {
      const customId = options.customId ?? 'button';
      const message = options.messageId
        ? this.findMessage(channel.id, options.messageId)
        : this.createMessage(channel, {
            author: this.botUser,
            content: 'A message with a button',
            components: [
              { type: ComponentType.ActionRow, components: [{ type: ComponentType.Button, style: 1, label: 'Press', custom_id: customId }] },
            ],
          });
      state.componentMessage = message;
      data = { custom_id: customId, component_type: ComponentType.Button };
    } else if (type === InteractionType.ModalSubmit) {
      // Each text input arrives inside its label (type 18), as Discord sends modals built from label components.
      const inputs = Object.entries(options.fields ?? {}).map(([customId, value], i) => ({
        type: ComponentType.Label,
        id: 2 * i + 1,
        component: { type: ComponentType.TextInput, id: 2 * i + 2, custom_id: customId, value },
      }));
      data = { custom_id: options.customId ?? 'modal', components: inputs };
    } else {
      const name = options.name ?? 'ask';
      const command = this.findCommand(name, guildId);
      this.requireUsableHere(name, command, guildId);
      if (command && (options.userInstall || options.privateChannel)) this.checkUsableThere(command, owners, context);
      const { options: resolvedOptions, resolved } = this.buildOptions(options, command, guild);
      data = {
        id: command?.id ?? this.snowflake(),
        name,
        type: 1,
        options: resolvedOptions,
        ...(command?.guild_id ? { guild_id: command.guild_id } : {}),
        ...(resolved ? { resolved } : {}),
      };
    }

    const appPermissions = guild ? this.botPermissionsIn(channel.id) : EVERYONE_PERMISSIONS;
    const payload = {
      id,
      application_id: this.applicationId,
      type,
      token,
      version: 1,
      data,
      channel_id: channel.id,
      channel:
        channel.type === ChannelType.DM
          ? { ...channel, recipients: [user] }
          : { ...channel, permissions: memberPermissions.toString() },
      ...(guild
        ? { guild_id: guild.id, guild: { id: guild.id, locale: 'en-US', features: [] }, member, guild_locale: 'en-US' }
        : { user }),
      ...(state.componentMessage ? { message: state.componentMessage } : {}),
      app_permissions: appPermissions.toString(),
      locale: options.locale ?? 'en-US',
      entitlements: [],
      authorizing_integration_owners: owners,
      context,
      attachment_size_limit: 10 * 1024 * 1024,
    };
    this.interactions.set(id, state);
    await this.broadcast(GatewayDispatchEvents.InteractionCreate, payload);
    return { id, token, channelId: channel.id, guildId, userId: user.id, messageId: state.componentMessage?.id ?? null };
  }

  /** Dispatches MESSAGE_CREATE from a user, in a guild channel, a thread, or a DM with the bot. */
  async message(options: MessageOptions = {}): Promise<DispatchedMessage> {
    this.requireSession();
    const author = this.addUser(options.author ?? this.defaultUser);
    const channel = options.dm ? this.dmChannelWith(author.id) : this.channel(options.channelId ?? this.firstChannelId());
    let content = options.content ?? '';
    const mention = `<@${this.botUser.id}>`;
    if (options.mentionsBot && !content.includes(mention) && !content.includes(`<@!${this.botUser.id}>`)) content = `${mention} ${content}`;
    const message = this.createMessage(channel, {
      author,
      content,
      embeds: options.embeds ?? [],
      ...(options.replyTo ? { replyTo: options.replyTo } : {}),
    });
    await this.broadcast(GatewayDispatchEvents.MessageCreate, this.messageCreatePayload(message));
    const guildId = channel.type === ChannelType.DM ? null : (channel.guild_id ?? null);
    return { id: message.id, channelId: channel.id, guildId, authorId: author.id };
  }

  /** A thread a user started (not the bot): registered and announced with THREAD_CREATE. */
  async createThread(options: { parentId?: string; name?: string; owner?: UserInput; fromMessageId?: string }): Promise<APIThreadChannel> {
    this.requireSession();
    const parent = this.channel(options.parentId ?? this.firstChannelId());
    if (parent.type !== ChannelType.GuildText) throw new Error('fake Discord: threads need a text channel parent');
    const thread = this.makeThread(parent, {
      id: options.fromMessageId ?? this.snowflake(),
      name: options.name ?? 'a thread',
      ownerId: this.addUser(options.owner ?? this.defaultUser).id,
      type: ChannelType.PublicThread,
    });
    const starter = (this.messages.get(parent.id) ?? []).find((m) => m.id === options.fromMessageId);
    if (starter) {
      starter.thread = thread;
      starter.flags = (starter.flags ?? 0) | MessageFlags.HasThread;
    }
    await this.broadcast(GatewayDispatchEvents.ThreadCreate, { ...thread, newly_created: true });
    return thread;
  }

  /** Any other gateway event, as given. */
  async dispatch(event: GatewayDispatchEvents, data: unknown): Promise<void> {
    this.requireSession();
    await this.broadcast(event, data);
  }

  // ----- context menus, select menus, modals ------------------------------------------------------------

  /**
   * Dispatches a message context-menu command (type 2, data.type 3) on `targetMessageId`: Discord puts the
   * target message, with its content, in `resolved.messages`, even without the Message Content intent.
   */
  async messageCommand(options: { name: string; targetMessageId: string } & Omit<InteractionOptions, 'type' | 'data' | 'name' | 'options'>): Promise<DispatchedInteraction> {
    const { name, targetMessageId, ...rest } = options;
    const user = this.addUser(rest.user ?? this.defaultUser);
    const channelId = rest.dm ? this.dmChannelWith(user.id).id : (rest.channelId ?? this.firstChannelId());
    const target = this.findMessage(channelId, targetMessageId);
    const guildId = rest.dm ? null : (this.channel(channelId).guild_id ?? null);
    const command = this.findCommand(name, guildId);
    if (command !== undefined && command.type !== 3) throw new Error(`fake Discord: /${name} is not a message command`);
    const data = {
      id: command?.id ?? this.snowflake(),
      name,
      type: 3,
      target_id: target.id,
      resolved: { messages: { [target.id]: target } },
      ...(command?.guild_id ? { guild_id: command.guild_id } : {}),
    };
    return this.interaction({ ...rest, user, channelId, type: InteractionType.ApplicationCommand, data });
  }

  /** Dispatches a string select menu choice (component type 3) on a message the bot sent. */
  async selectMenu(options: { customId: string; values: string[]; messageId: string } & Omit<InteractionOptions, 'type' | 'data' | 'customId'>): Promise<DispatchedInteraction> {
    const { customId, values, ...rest } = options;
    const channelId = rest.channelId ?? this.firstChannelId();
    const message = this.findMessage(channelId, rest.messageId);
    const menu = (message.components ?? [])
      .flatMap((row) => ('components' in row ? (row.components as unknown[]) : []))
      .find((c): c is { custom_id: string; options: Array<{ value: string }>; min_values?: number; max_values?: number } => (c as { custom_id?: string }).custom_id === customId);
    if (menu === undefined) throw new Error(`fake Discord: message ${rest.messageId} has no select menu ${customId}`);
    const unknown = values.filter((v) => !menu.options.some((o) => o.value === v));
    if (unknown.length > 0) throw new Error(`fake Discord: ${unknown.join(', ')} is not an option of ${customId}`);
    if (values.length < (menu.min_values ?? 1) || values.length > (menu.max_values ?? 1)) throw new Error(`fake Discord: ${values.length} values chosen in ${customId}`);
    return this.interaction({ ...rest, channelId, type: InteractionType.MessageComponent, data: { custom_id: customId, component_type: ComponentType.StringSelect, values } });
  }

  /**
   * Dispatches the submission of the modal the bot last opened for `fromInteractionId` (its callback type 9),
   * with `values` by text input custom_id, in the modal's own layout (labels or action rows). A required
   * input must be given. A modal opened from a button carries that button's message, as on Discord.
   */
  async modalSubmit(options: { fromInteractionId: string; values: Record<string, string> } & Omit<InteractionOptions, 'type' | 'data'>): Promise<DispatchedInteraction> {
    const { fromInteractionId, values, ...rest } = options;
    const opened = [...this.calls].reverse().find((c) => c.interactionId === fromInteractionId && c.callback?.type === InteractionResponseType.Modal);
    type Input = { type?: number; custom_id: string; required?: boolean };
    const modal = opened?.callback?.data as { custom_id: string; components: Array<{ type: number; component?: Input; components?: Input[] }> } | undefined;
    if (modal === undefined) throw new Error(`fake Discord: interaction ${fromInteractionId} opened no modal`);
    const submitted = (input: Input) => {
      const value = values[input.custom_id] ?? '';
      if (input.required !== false && value === '') throw new Error(`fake Discord: the required input ${input.custom_id} was left empty`);
      return { type: ComponentType.TextInput, custom_id: input.custom_id, value };
    };
    const components = modal.components.map((row) =>
      row.type === ComponentType.Label && row.component
        ? { type: ComponentType.Label, component: submitted(row.component) }
        : { type: ComponentType.ActionRow, components: (row.components ?? []).map(submitted) },
    );
    const from = this.interactions.get(fromInteractionId);
    return this.interaction({
      ...rest,
      ...(from ? { user: from.user, channelId: from.channelId } : {}),
      ...(from?.componentMessage ? { messageId: from.componentMessage.id } : {}),
      type: InteractionType.ModalSubmit,
      data: { custom_id: modal.custom_id, components },
    });
  }

  /** A user deletes a message: it is gone from the channel and MESSAGE_DELETE is dispatched, as on Discord. */
  async deleteUserMessage(channelId: string, messageId: string): Promise<void> {
    const message = this.findMessage(channelId, messageId);
    this.deleteMessage(message);
    const channel = this.channels.get(channelId);
    const guildId = channel && channel.type !== ChannelType.DM ? channel.guild_id : undefined;
    await this.broadcast(GatewayDispatchEvents.MessageDelete, { id: messageId, channel_id: channelId, ...(guildId ? { guild_id: guildId } : {}) });
  }

  /** Discord's rules for a modal (callback type 9): a custom_id, a title of 1–45, 1–5 text inputs (in labels or rows of one). */
  private checkModal(data: CallbackData): void {
    const errors: FormError[] = [];
    type Row = { type?: number; label?: string; component?: Record<string, unknown>; components?: Array<Record<string, unknown>> };
    const modal = data as { custom_id?: string; title?: string; components?: Row[] };
    if (!modal.custom_id || modal.custom_id.length > 100) errors.push(badLength('data.custom_id', 1, 100));
    if (!modal.title || modal.title.length > 45) errors.push(badLength('data.title', 1, 45));
    const rows = modal.components ?? [];
    if (rows.length < 1 || rows.length > 5) errors.push(badLength('data.components', 1, 5));
    rows.forEach((row, i) => {
      const inLabel = row.type === ComponentType.Label;
      const inputs = inLabel ? (row.component ? [row.component] : []) : (row.components ?? []);
      if (inputs.length !== 1) errors.push(badLength(`data.components.${i}.components`, 1, 1));
      if (inLabel && (!row.label || row.label.length > 45)) errors.push(badLength(`data.components.${i}.label`, 1, 45));
      inputs.forEach((input, j) => {
        const at = inLabel ? `data.components.${i}.component` : `data.components.${i}.components.${j}`;
        if (input.type !== ComponentType.TextInput) errors.push(formError(`${at}.type`, 'COMPONENT_TYPE_INVALID', 'Modals take text inputs only.'));
        const label = String(input.label ?? (inLabel ? 'x' : ''));
        if (label.length < 1 || label.length > 45) errors.push(badLength(`${at}.label`, 1, 45));
        const max = Number(input.max_length ?? 4000);
        if (!Number.isInteger(max) || max < 1 || max > 4000) errors.push(formError(`${at}.max_length`, 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 4000.'));
        if (typeof input.placeholder === 'string' && input.placeholder.length > 100) errors.push(tooLong(`${at}.placeholder`, 100));
      });
    });
    if (errors.length > 0) throw invalidForm(errors);
  }

  /** Discord's rules for a string select: alone in its row, 1–25 options with labels and values of 1–100, unique values. */
  private checkStringSelect(child: unknown, path: string, rowSize: number, errors: FormError[]): void {
    const menu = child as { custom_id?: string; placeholder?: string; options?: Array<{ label?: string; value?: string; description?: string }> };
    if (rowSize !== 1) errors.push(formError(path, 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'A select menu must be alone in its action row.'));
    if (!menu.custom_id || menu.custom_id.length > 100) errors.push(badLength(`${path}.custom_id`, 1, 100));
    if (menu.placeholder && menu.placeholder.length > 150) errors.push(tooLong(`${path}.placeholder`, 150));
    const options = menu.options ?? [];
    if (options.length < 1 || options.length > 25) errors.push(badLength(`${path}.options`, 1, 25));
    const seen = new Set<string>();
    options.forEach((option, k) => {
      if (!option.label || option.label.length > 100) errors.push(badLength(`${path}.options.${k}.label`, 1, 100));
      if (!option.value || option.value.length > 100) errors.push(badLength(`${path}.options.${k}.value`, 1, 100));
      if (option.description && option.description.length > 100) errors.push(tooLong(`${path}.options.${k}.description`, 100));
      if (option.value && seen.has(option.value)) errors.push(formError(`${path}.options.${k}.value`, 'SELECT_COMPONENT_OPTION_VALUE_DUPLICATED', 'Option values must be unique.'));
      if (option.value) seen.add(option.value);
    });
  }

  // ----- shutdown ----------------------------------------------------------------------------------------

  /**
   * Closes gateway sockets with 4004 first (Authentication failed is one of the codes discord.js never
   * reconnects after; with any other code a client still logging in retries forever), then the server.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('fake Discord closed while waiting for a call'));
    }
    this.waiters.clear();
    await this.disconnect(4004, 'Authentication failed.');
    this.sessions.clear();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ----- REST --------------------------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const path = url.pathname.startsWith(`${API_PREFIX}/`)
      ? url.pathname.slice(API_PREFIX.length).split('/').map(decodeSegment).join('/')
      : url.pathname;
    const call: RecordedCall = {
      method,
      path,
      route: null,
      params: {},
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      files: [],
      message: null,
      callback: null,
      interactionId: null,
      channelId: null,
      authorization: req.headers.authorization ?? null,
      status: 404,
      response: { message: '404: Not Found', code: 0 },
      at,
    };
    let headers: Record<string, string> = {};

    try {
      const parsed = await parseBody(raw, req.headers['content-type'] ?? '');
      call.body = parsed.body;
      call.files = parsed.files;
      const surrogates = loneSurrogateErrors(parsed.body);
      if (surrogates.length > 0) throw invalidForm(surrogates);
      const match = url.pathname.startsWith(`${API_PREFIX}/`) ? this.matchRoute(method, path) : null;
      if (match) {
        call.route = match.route;
        call.params = match.params;
        this.describeCall(call);
        this.checkAuthorization(call);
        const failure = match.params.channelId ? this.channelFailures.get(match.params.channelId) : undefined;
        if (failure) throw failure;
        const injected = this.injected.find((entry) => entry.times > 0 && entry.matches(call));
        if (injected) {
          injected.times -= 1;
          if (injected.reply instanceof ApiError) throw injected.reply;
          const { retryAfterS, global } = injected.reply;
          headers = { 'retry-after': String(retryAfterS), 'x-ratelimit-scope': global ? 'global' : 'user', ...(global ? { 'x-ratelimit-global': 'true' } : {}) };
          throw new ApiError(429, 0, 'You are being rate limited.', [], { retry_after: retryAfterS, global });
        }
        const reply = match.handler({
          params: { ...emptyParams(), ...match.params },
          query: call.query,
          body: isObject(parsed.body) ? parsed.body : {},
          rawBody: parsed.body,
          files: parsed.files,
        });
        call.status = reply.status;
        call.response = reply.body;
      }
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 0, `fake Discord failed: ${String(error)}`);
      call.status = apiError.status;
      call.response = apiError.toBody();
    }

    this.record(call);
    if (call.status === 204 || call.response === undefined) {
      res.writeHead(call.status).end();
    } else {
      res.writeHead(call.status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(call.response));
    }
  }

  private matchRoute(
    method: string,
    path: string,
  ): { route: FakeRoute; handler: RouteHandler; params: Partial<Record<ParamName, string>> } | null {
    const segments = path.split('/').slice(1);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const params: Partial<Record<ParamName, string>> = {};
      const ok = route.segments.every((pattern, i) => {
        const segment = segments[i] ?? '';
        if (!pattern.startsWith(':')) return pattern === segment;
        params[pattern.slice(1) as ParamName] = segment;
        return segment !== '';
      });
      if (ok) return { route: route.route, handler: route.handler, params };
    }
    return null;
  }

  /** Fills the call's message, callback, interaction and channel so tests can filter on them. */
  private describeCall(call: RecordedCall): void {
    const body = isObject(call.body) ? call.body : null;
    if (call.route && MESSAGE_ROUTES.has(call.route) && body) call.message = body as MessageBody;
    if (call.route === 'POST /interactions/:interactionId/:token/callback' && body) {
      const data = isObject(body.data) ? (body.data as CallbackData) : null;
      call.callback = { type: body.type as InteractionResponseType, data };
      if (body.type === InteractionResponseType.ChannelMessageWithSource || body.type === InteractionResponseType.UpdateMessage) {
        call.message = data;
      }
    }
    const interaction = call.params.interactionId
      ? this.interactions.get(call.params.interactionId)
      : call.params.token
        ? this.interactionByToken(call.params.token)
        : undefined;
    call.interactionId = interaction?.id ?? call.params.interactionId ?? null;
    call.channelId = call.params.channelId ?? interaction?.channelId ?? null;
  }

  private checkAuthorization(call: RecordedCall): void {
    if (isTokenRoute(call.path)) return;
    const expected = this.options.token;
    const header = call.authorization ?? '';
    if (!header.startsWith('Bot ') || (expected !== undefined && header !== `Bot ${expected}`)) {
      throw new ApiError(401, 0, '401: Unauthorized');
    }
  }

  private record(call: RecordedCall): void {
    this.calls.push(call);
    for (const waiter of this.waiters) {
      if (!waiter.matches(call)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(call);
    }
  }

  private buildRoutes(): Record<FakeRoute, RouteHandler> {
    const ok = (body: unknown, status = 200): RouteReply => ({ status, body });
    const noContent: RouteReply = { status: 204 };
    return {
      'GET /gateway': () => ok({ url: this.gatewayUrl }),
      'GET /gateway/bot': () =>
        ok({
          url: this.gatewayUrl,
          shards: this.options.recommendedShards ?? 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: this.options.maxConcurrency ?? 1 },
        }),
      'GET /users/@me': () => ok(this.botUser),
      'POST /users/@me/channels': ({ body }) => ok(this.dmChannelWith(String(body.recipient_id))),
      'GET /users/:userId': ({ params }) => ok(this.users.get(params.userId) ?? throwError(unknownUser())),
      'GET /oauth2/applications/@me': () => ok(this.application()),
      'GET /applications/@me': () => ok(this.application()),

      // Command registration: PUT replaces the set; a command keeps its id while its name stays.
      'GET /applications/:applicationId/commands': ({ params }) => ok(this.commandStore(params.applicationId, null)),
      'PUT /applications/:applicationId/commands': ({ params, rawBody }) => ok(this.putCommands(params.applicationId, null, rawBody)),
      'POST /applications/:applicationId/commands': ({ params, body }) => {
        this.checkCommands([body]);
        const store = this.commandStore(params.applicationId, null, true);
        return ok(this.saveCommand(store, body, null), 201);
      },
      'GET /applications/:applicationId/guilds/:guildId/commands': ({ params }) =>
        ok(this.commandStore(params.applicationId, params.guildId)),
      'PUT /applications/:applicationId/guilds/:guildId/commands': ({ params, rawBody }) =>
        ok(this.putCommands(params.applicationId, params.guildId, rawBody)),

      'POST /interactions/:interactionId/:token/callback': (ctx) => this.interactionCallback(ctx),

      // Interaction webhooks: follow-ups and the original response.
      'POST /webhooks/:applicationId/:token': ({ params, query, body, files }) => {
        const interaction = this.acknowledgedInteraction(params);
        const message = body as MessageBody;
        this.checkMessage(message, files.length, true);
        // Discord's limit for an app that only a user installed (not the server): 5 follow-ups per interaction.
        if (interaction.owners['0'] === undefined && interaction.followUps.size >= USER_INSTALL_FOLLOW_UPS) {
          throw new ApiError(400, 40094, 'This interaction has hit the maximum number of follow up messages');
        }
        const created = this.createMessage(this.channels.get(interaction.channelId) ?? throwError(unknownChannel()), {
          ...this.messageFields(message, files),
          author: this.botUser,
          flags: (message.flags ?? 0) & EPHEMERAL,
          interaction,
        });
        interaction.followUps.add(created.id);
        this.echo(created);
        return query.wait === 'true' ? ok(created) : noContent;
      },
      'GET /webhooks/:applicationId/:token/messages/:messageId': ({ params }) =>
        ok(this.interactionMessage(this.acknowledgedInteraction(params), params.messageId)),
      'PATCH /webhooks/:applicationId/:token/messages/:messageId': ({ params, body, files }) => {
        const message = this.interactionMessage(this.acknowledgedInteraction(params), params.messageId);
        this.checkMessage(body as MessageBody, files.length, false);
        return ok(this.editMessage(message, body as MessageBody, files));
      },
      'DELETE /webhooks/:applicationId/:token/messages/:messageId': ({ params }) => {
        const message = this.interactionMessage(this.acknowledgedInteraction(params), params.messageId);
        this.deleteMessage(message);
        return noContent;
      },

      'GET /channels/:channelId': ({ params }) => ok(this.requireChannel(params.channelId)),
      'PATCH /channels/:channelId': ({ params, body }) => ok(this.editChannel(this.requireChannel(params.channelId), body)),
      'GET /channels/:channelId/messages': ({ params, query }) => {
        const channel = this.requireChannel(params.channelId);
        this.requirePermissions(channel, PermissionFlagsBits.ViewChannel);
        // Without Read Message History Discord answers with no messages, not an error.
        if (channel.type !== ChannelType.DM && (this.botPermissionsIn(channel.id) & PermissionFlagsBits.ReadMessageHistory) === 0n) return ok([]);
        return ok(this.listMessages(params.channelId, query));
      },
      'POST /channels/:channelId/messages': ({ params, body, files }) => {
        const channel = this.requireChannel(params.channelId);
        const message = body as MessageBody;
        const reference = message.message_reference?.message_id;
        // A reply also needs Read Message History.
        this.requirePermissions(channel, this.sendPermission(channel) | (reference ? PermissionFlagsBits.ReadMessageHistory : 0n));
        this.checkMessage(message, files.length, true);
        if (reference && message.message_reference?.fail_if_not_exists !== false) this.findMessage(params.channelId, reference);
        const created = this.createMessage(channel, {
          ...this.messageFields(message, files),
          author: this.botUser,
          ...(reference ? { replyTo: reference } : {}),
        });
        this.echo(created);
        return ok(created);
      },
      'GET /channels/:channelId/messages/:messageId': ({ params }) => {
        this.requirePermissions(this.requireChannel(params.channelId), PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ReadMessageHistory);
        return ok(this.findMessage(params.channelId, params.messageId));
      },
      'PATCH /channels/:channelId/messages/:messageId': ({ params, body, files }) => {
        this.requireChannel(params.channelId);
        const message = this.findMessage(params.channelId, params.messageId);
        if (message.author.id !== this.botUser.id) throw new ApiError(403, 50005, 'Cannot edit a message authored by another user');
        this.checkMessage(body as MessageBody, files.length, false);
        return ok(this.editMessage(message, body as MessageBody, files));
      },
      'DELETE /channels/:channelId/messages/:messageId': ({ params }) => {
        this.requireChannel(params.channelId);
        this.deleteMessage(this.findMessage(params.channelId, params.messageId));
        return noContent;
      },
      // A thread started from a message has the message's id, as on Discord.
      'POST /channels/:channelId/messages/:messageId/threads': ({ params, body }) => {
        const parent = this.requireChannel(params.channelId);
        if (parent.type !== ChannelType.GuildText) throw wrongChannelType();
        this.requirePermissions(parent, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.CreatePublicThreads);
        const message = this.findMessage(params.channelId, params.messageId);
        if (message.thread) throw new ApiError(400, 160004, 'A thread has already been created for this message');
        this.checkThread(body);
        const thread = this.makeThread(parent, {
          id: message.id,
          name: String(body.name),
          ownerId: this.botUser.id,
          type: ChannelType.PublicThread,
          body,
        });
        message.thread = thread;
        message.flags = (message.flags ?? 0) | MessageFlags.HasThread;
        this.broadcastLater(GatewayDispatchEvents.ThreadCreate, { ...thread, newly_created: true });
        return ok(thread, 201);
      },
      'POST /channels/:channelId/threads': ({ params, body }) => {
        const parent = this.requireChannel(params.channelId);
        if (parent.type !== ChannelType.GuildText) throw wrongChannelType();
        this.checkThread(body);
        const type = body.type === ChannelType.PublicThread ? ChannelType.PublicThread : ChannelType.PrivateThread;
        this.requirePermissions(parent, type === ChannelType.PublicThread ? PermissionFlagsBits.CreatePublicThreads : PermissionFlagsBits.CreatePrivateThreads);
        const thread = this.makeThread(parent, { id: this.snowflake(), name: String(body.name), ownerId: this.botUser.id, type, body });
        this.broadcastLater(GatewayDispatchEvents.ThreadCreate, { ...thread, newly_created: true });
        return ok(thread, 201);
      },
      'POST /channels/:channelId/typing': ({ params }) => {
        const channel = this.requireChannel(params.channelId);
        this.requirePermissions(channel, this.sendPermission(channel));
        return noContent;
      },
      'PUT /channels/:channelId/thread-members/@me': ({ params }) => {
        if (this.requireChannel(params.channelId).type !== ChannelType.PublicThread) throw wrongChannelType();
        return noContent;
      },
      'PUT /channels/:channelId/messages/:messageId/reactions/:emoji/@me': ({ params }) => {
        this.requirePermissions(this.requireChannel(params.channelId), PermissionFlagsBits.ReadMessageHistory | PermissionFlagsBits.AddReactions);
        const message = this.findMessage(params.channelId, params.messageId);
        const reactions = (message.reactions ??= []);
        if (!reactions.some((r) => r.emoji.name === params.emoji && r.me)) {
          reactions.push({
            emoji: { id: null, name: params.emoji },
            count: 1,
            count_details: { burst: 0, normal: 1 },
            me: true,
            me_burst: false,
            burst_colors: [],
          });
        }
        return noContent;
      },

      'GET /guilds/:guildId': ({ params }) => {
        const { channels: _channels, members: _members, ...guild } = this.guildCreatePayload(this.requireGuild(params.guildId));
        return ok(guild);
      },
      'GET /guilds/:guildId/channels': ({ params }) => ok(this.requireGuild(params.guildId).channels),
      'GET /guilds/:guildId/roles': ({ params }) => ok(this.requireGuild(params.guildId).roles),
      'GET /guilds/:guildId/members/:userId': ({ params }) => {
        const guild = this.requireGuild(params.guildId);
        const user = this.users.get(params.userId) ?? throwError(new ApiError(404, 10007, 'Unknown Member'));
        return ok(this.member(user, user.id === this.botUser.id ? [botRole(guild).id] : []));
      },
    };
  }

  private interactionCallback({ params, query, body, files }: RouteContext): RouteReply {
    const interaction = this.interactions.get(params.interactionId);
    if (!interaction || interaction.token !== params.token) throw unknownInteraction();
    if (interaction.acknowledged) throw new ApiError(400, 40060, 'Interaction has already been acknowledged.');
    const deadline = this.options.interactionDeadlineMs ?? 3000;
    if (this.now() - interaction.dispatchedAt > deadline) throw unknownInteraction();

    const type = body.type as InteractionResponseType;
    const data = (isObject(body.data) ? body.data : {}) as CallbackData;
    const isCommand = interaction.type === InteractionType.ApplicationCommand;
    const isComponent = interaction.type === InteractionType.MessageComponent;
    const isAutocomplete = interaction.type === InteractionType.ApplicationCommandAutocomplete;
    const invalidType = (): ApiError =>
      invalidForm([formError('type', 'INTERACTION_RESPONSE_TYPE_INVALID', `Response type ${String(type)} is not valid for this interaction.`)]);
    const channel = this.channels.get(interaction.channelId) ?? throwError(unknownChannel());

    switch (type) {
      case InteractionResponseType.ChannelMessageWithSource:
      case InteractionResponseType.DeferredChannelMessageWithSource: {
        if (isAutocomplete) throw invalidType();
        const deferred = type === InteractionResponseType.DeferredChannelMessageWithSource;
        if (!deferred) this.checkMessage(data, files.length, true);
        const flags = (data.flags ?? 0) & EPHEMERAL;
        interaction.original = this.createMessage(channel, {
          ...(deferred ? {} : this.messageFields(data, files)),
          author: this.botUser,
          flags: deferred ? flags | LOADING : flags,
          interaction,
        });
        this.echo(interaction.original);
        break;
      }
      case InteractionResponseType.DeferredMessageUpdate:
      case InteractionResponseType.UpdateMessage: {
        if ((!isComponent && interaction.type !== InteractionType.ModalSubmit) || !interaction.componentMessage) throw invalidType();
        if (type === InteractionResponseType.UpdateMessage) {
          this.checkMessage(data, files.length, false);
          this.editMessage(interaction.componentMessage, data, files);
        }
        interaction.original = interaction.componentMessage;
        break;
      }
      case InteractionResponseType.ApplicationCommandAutocompleteResult:
        if (!isAutocomplete) throw invalidType();
        this.checkChoices(data.choices ?? []);
        break;
      case InteractionResponseType.Modal: {
        if (!isCommand && !isComponent) throw invalidType();
        this.checkModal(data);
        const errors = componentErrors(data.components ?? [], 'data.components');
        if (errors.length > 0) throw invalidForm(errors);
        break;
      }
      default:
        throw invalidType();
    }
    interaction.acknowledged = true;

    if (query.with_response !== 'true') return { status: 204 };
    const original = interaction.original;
    return {
      status: 200,
      body: {
        interaction: {
          id: interaction.id,
          type: interaction.type,
          response_message_id: original?.id,
          response_message_loading: type === InteractionResponseType.DeferredChannelMessageWithSource,
          response_message_ephemeral: Boolean((original?.flags ?? 0) & EPHEMERAL),
        },
        ...(original ? { resource: { type, message: original } } : { resource: { type } }),
      },
    };
  }

  // ----- messages ----------------------------------------------------------------------------------------

  private createMessage(channel: FakeChannel, fields: MessageFields): APIMessage {
    const id = this.snowflake();
    const content = fields.content ?? '';
    const referenced = fields.replyTo ? (this.messages.get(channel.id) ?? []).find((m) => m.id === fields.replyTo) : undefined;
    const mentions = this.resolveMentions(content, fields.allowedMentions, referenced?.author);
    const interaction = fields.interaction;
    const message: APIMessage = {
      id,
      channel_id: channel.id,
      author: fields.author,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: mentions.everyone,
      mentions: mentions.users,
      mention_roles: mentions.roles,
      attachments: fields.attachments ?? [],
      embeds: (fields.embeds ?? []).map(richEmbed),
      components: (fields.components ?? []) as NonNullable<APIMessage['components']>,
      pinned: false,
      type: fields.replyTo
        ? MessageType.Reply
        : interaction?.type === InteractionType.ApplicationCommand
          ? MessageType.ChatInputCommand
          : MessageType.Default,
      flags: (fields.flags ?? 0) as MessageFlags,
      ...(fields.replyTo
        ? {
            message_reference: {
              type: 0,
              message_id: fields.replyTo,
              channel_id: channel.id,
              ...(channel.type !== ChannelType.DM && channel.guild_id ? { guild_id: channel.guild_id } : {}),
            },
            referenced_message: referenced ?? null,
          }
        : {}),
      ...(interaction
        ? {
            webhook_id: this.applicationId,
            application_id: this.applicationId,
            interaction_metadata: {
              id: interaction.id,
              type: interaction.type,
              user: interaction.user,
              authorizing_integration_owners: interaction.owners,
              ...(interaction.original ? { original_response_message_id: interaction.original.id } : {}),
              ...(interaction.componentMessage ? { interacted_message_id: interaction.componentMessage.id } : {}),
            } as NonNullable<APIMessage['interaction_metadata']>,
          }
        : {}),
    };
    const list = this.messages.get(channel.id) ?? [];
    list.push(message);
    this.messages.set(channel.id, list);
    channel.last_message_id = id;
    if (channel.type === ChannelType.PublicThread || channel.type === ChannelType.PrivateThread) {
      channel.message_count = (channel.message_count ?? 0) + 1;
      channel.total_message_sent = (channel.total_message_sent ?? 0) + 1;
    }
    return message;
  }

  /** The parts of a message body the stored message takes over, with attachments for the uploaded files. */
  private messageFields(body: MessageBody, files: RecordedFile[]): Omit<MessageFields, 'author'> {
    return {
      ...(body.content !== undefined ? { content: body.content } : {}),
      ...(body.embeds ? { embeds: body.embeds } : {}),
      ...(body.components ? { components: body.components } : {}),
      ...(body.allowed_mentions ? { allowedMentions: body.allowed_mentions } : {}),
      attachments: files.map((file) => this.attachment(file)),
    };
  }

  private editMessage(message: APIMessage, body: MessageBody, files: RecordedFile[]): APIMessage {
    if (body.content !== undefined) message.content = body.content ?? '';
    if (body.embeds) message.embeds = body.embeds.map(richEmbed);
    if (body.components) message.components = body.components as NonNullable<APIMessage['components']>;
    if (body.attachments || files.length > 0) {
      const keep = new Set((body.attachments ?? []).map((a) => String(a.id)));
      message.attachments = [...message.attachments.filter((a) => keep.has(a.id)), ...files.map((file) => this.attachment(file))];
    }
    const mentions = this.resolveMentions(message.content, body.allowed_mentions, undefined);
    message.mentions = mentions.users;
    message.mention_roles = mentions.roles;
    message.mention_everyone = mentions.everyone;
    message.flags = (message.flags ?? 0) & ~LOADING;
    message.edited_timestamp = new Date().toISOString();
    return message;
  }

  private deleteMessage(message: APIMessage): void {
    const list = this.messages.get(message.channel_id) ?? [];
    this.messages.set(message.channel_id, list.filter((m) => m.id !== message.id));
  }

  private listMessages(channelId: string, query: Record<string, string>): APIMessage[] {
    const limit = Math.min(Math.max(Number(query.limit ?? 50), 1), 100);
    const before = query.before ? BigInt(query.before) : null;
    const after = query.after ? BigInt(query.after) : null;
    return this.messagesIn(channelId)
      .filter((m) => (before === null || BigInt(m.id) < before) && (after === null || BigInt(m.id) > after))
      .reverse()
      .slice(0, limit);
  }

  private findMessage(channelId: string, messageId: string): APIMessage {
    return (this.messages.get(channelId) ?? []).find((m) => m.id === messageId) ?? throwError(unknownMessage());
  }

  private attachment(file: RecordedFile): APIAttachment {
    const id = this.snowflake();
    const url = `${this.apiUrl.replace(/\/api$/, '')}/attachments/${id}/${encodeURIComponent(file.name)}`;
    return { id, filename: file.name, size: file.data.length, url, proxy_url: url, content_type: file.contentType };
  }

  /** Who a message actually pings: `mentions` lists only users allowed by `allowed_mentions`, as on Discord. */
  private resolveMentions(
    content: string,
    allowed: MessageBody['allowed_mentions'] | undefined,
    repliedTo: APIUser | undefined,
  ): { users: APIMessage['mentions']; roles: string[]; everyone: boolean } {
    const parse = allowed ? (allowed.parse ?? []) : ['users', 'roles', 'everyone'];
    const userIds = new Set([...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? ''));
    const users = [...userIds]
      .filter((id) => parse.includes('users') || (allowed?.users ?? []).includes(id))
      .map((id) => this.users.get(id))
      .filter((user): user is APIUser => user !== undefined);
    if (repliedTo && (allowed ? allowed.replied_user === true : true) && !users.some((u) => u.id === repliedTo.id)) users.push(repliedTo);
    const roles = [...content.matchAll(/<@&(\d+)>/g)]
      .map((m) => m[1] ?? '')
      .filter((id) => parse.includes('roles') || (allowed?.roles ?? []).includes(id));
    return { users, roles, everyone: parse.includes('everyone') && /@(everyone|here)\b/.test(content) };
  }

  /** Discord's limits on a message, checked the way Discord answers them (400 with field errors). */
  private checkMessage(body: MessageBody, fileCount: number, creating: boolean): void {
    const errors: FormError[] = [];
    const max = (path: string, value: string | null | undefined, limit: number): number => {
      if (value && value.length > limit) errors.push(tooLong(path, limit));
      return value?.length ?? 0;
    };
    max('content', body.content, 2000);
    const embeds = body.embeds ?? [];
    if (embeds.length > 10) errors.push(tooLong('embeds', 10));
    let embedChars = 0;
    embeds.forEach((embed, i) => {
      if (embed.url !== undefined) checkUrl(`embeds.${i}.url`, embed.url, 2048, errors);
      embedChars += max(`embeds.${i}.title`, embed.title, 256);
      embedChars += max(`embeds.${i}.description`, embed.description, 4096);
      embedChars += max(`embeds.${i}.footer.text`, embed.footer?.text, 2048);
      embedChars += max(`embeds.${i}.author.name`, embed.author?.name, 256);
      const fields = embed.fields ?? [];
      if (fields.length > 25) errors.push(tooLong(`embeds.${i}.fields`, 25));
      fields.forEach((field, j) => {
        embedChars += max(`embeds.${i}.fields.${j}.name`, field.name, 256);
        embedChars += max(`embeds.${i}.fields.${j}.value`, field.value, 1024);
      });
    });
    if (embedChars > 6000) errors.push(formError('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000'));
    errors.push(...embedFieldErrors(embeds), ...nonceErrors(body.nonce), ...componentErrors(body.components ?? []));
    if (((body.flags ?? 0) & MessageFlags.IsComponentsV2) === 0) this.checkActionRows(body.components ?? [], errors);
    if (errors.length > 0) throw invalidForm(errors);
    const empty =
      !body.content && embeds.length === 0 && fileCount === 0 && !body.components?.length && !body.sticker_ids?.length && !body.poll;
    if (creating && empty) throw new ApiError(400, 50006, 'Cannot send an empty message');
  }

  private checkActionRows(rows: readonly unknown[], errors: FormError[]): void {
    if (rows.length > 5) errors.push(tooLong('components', 5));
    rows.forEach((row, i) => {
      const children = ((row as APIActionRowComponent<APIComponentInMessageActionRow>).components ?? []) as unknown[];
      if (children.length < 1 || children.length > 5) errors.push(badLength(`components.${i}.components`, 1, 5));
      children.forEach((child, j) => {
        const button = child as { type?: number; style?: number; label?: string; custom_id?: string; url?: string };
        if (button.type === ComponentType.StringSelect) {
          this.checkStringSelect(child, `components.${i}.components.${j}`, children.length, errors);
          return;
        }
        if (button.type !== ComponentType.Button) return;
        const path = `components.${i}.components.${j}`;
        if (button.label && button.label.length > 80) errors.push(tooLong(`${path}.label`, 80));
        if (button.style === 5 ? !button.url || button.custom_id : !button.custom_id) {
          errors.push(formError(path, 'BUTTON_COMPONENT_INVALID', 'Link buttons need a url and no custom_id; others a custom_id.'));
        }
        if (button.custom_id && button.custom_id.length > 100) errors.push(tooLong(`${path}.custom_id`, 100));
        // Scheme and length are checked with the other components (validate-payloads.ts); spaces and <> here.
        if (button.url !== undefined && /[\s<>]/.test(button.url)) errors.push(formError(`${path}.url`, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.'));
      });
    });
  }

  private checkChoices(choices: APIApplicationCommandOptionChoice[]): void {
    const errors: FormError[] = [];
    if (choices.length > 25) errors.push(tooLong('data.choices', 25));
    choices.forEach((choice, i) => {
      if (!choice.name || choice.name.length > 100) errors.push(badLength(`data.choices.${i}.name`, 1, 100));
      if (typeof choice.value === 'string' && choice.value.length > 100) errors.push(tooLong(`data.choices.${i}.value`, 100));
    });
    if (errors.length > 0) throw invalidForm(errors);
  }

  /** A new thread's name (1-100 characters) and auto-archive duration (one of Discord's four). */
  private checkThread(body: Record<string, unknown>): void {
    const errors = autoArchiveErrors(body.auto_archive_duration);
    if (typeof body.name !== 'string' || body.name.length < 1 || body.name.length > 100) errors.push(badLength('name', 1, 100));
    if (errors.length > 0) throw invalidForm(errors);
  }

  /** Adds guild context (guild_id, member) and `channel_type`, as MESSAGE_CREATE carries them. */
  private messageCreatePayload(message: APIMessage): object {
    const channel = this.channels.get(message.channel_id);
    if (!channel || channel.type === ChannelType.DM) return { ...message, channel_type: ChannelType.DM };
    const guildId = channel.guild_id ?? '';
    const guild = this.guilds.find((g) => g.id === guildId);
    const roles = message.author.id === this.botUser.id && guild ? [botRole(guild).id] : [];
    const { user: _user, ...member } = this.member(message.author, roles);
    const mentions = message.mentions.map((user) => {
      // With the roles the member really has: discord.js replaces its cached member with this one.
      const { user: _u, ...mentionMember } = this.member(user, user.id === this.botUser.id && guild ? [botRole(guild).id] : []);
      return { ...user, member: mentionMember };
    });
    return { ...message, guild_id: guildId, member, mentions, channel_type: channel.type };
  }

  /** Announces a message the bot created (Discord does; ephemeral ones are seen only by their user). */
  private echo(message: APIMessage): void {
    if (this.options.echoBotMessages === false || ((message.flags ?? 0) & EPHEMERAL) !== 0) return;
    this.broadcastLater(GatewayDispatchEvents.MessageCreate, this.messageCreatePayload(message));
  }

  // ----- interactions ------------------------------------------------------------------------------------

  private interactionByToken(token: string): InteractionState | undefined {
    return [...this.interactions.values()].find((i) => i.token === token);
  }

  /** Interaction webhooks exist only once the interaction has been acknowledged. */
  private acknowledgedInteraction(params: Record<ParamName, string>): InteractionState {
    const interaction = params.applicationId === this.applicationId ? this.interactionByToken(params.token) : undefined;
    if (!interaction || !interaction.acknowledged) throw unknownWebhook();
    // Interaction tokens are valid for 15 minutes; then Discord answers 401 Invalid Webhook Token.
    if (this.now() - interaction.dispatchedAt > INTERACTION_TOKEN_MS) throw new ApiError(401, 50027, 'Invalid Webhook Token');
    return interaction;
  }

  private interactionMessage(interaction: InteractionState, messageId: string): APIMessage {
    if (messageId === '@original') return interaction.original ?? throwError(unknownMessage());
    if (!interaction.followUps.has(messageId)) throw unknownMessage();
    return this.findMessage(interaction.channelId, messageId);
  }

  /** Discord offers a command only for the install types and contexts it was registered with. */
  private checkUsableThere(command: APIApplicationCommand, owners: Record<string, string>, context: number): void {
    const types = command.integration_types ?? [0];
    const installs = Object.keys(owners).map(Number);
    if (!installs.some((t) => (types as number[]).includes(t))) {
      throw new Error(`fake Discord: /${command.name} is registered for integration_types ${JSON.stringify(types)}, so it is not offered through installs ${JSON.stringify(installs)}`);
    }
    if (command.contexts != null && !(command.contexts as number[]).includes(context)) {
      throw new Error(`fake Discord: /${command.name} is registered for contexts ${JSON.stringify(command.contexts)}, not offered in context ${context}`);
    }
  }

  /** A DM between `user` and another person: the bot is not in it and cannot post there, only answer interactions. */
  private privateChannelOf(user: APIUser): APIDMChannel {
    const friend = this.addUser({ username: 'friend' });
    const channel: APIDMChannel = { id: this.snowflake(), type: ChannelType.DM, last_message_id: null, recipients: [user, friend], flags: 0 as ChannelFlags, name: null };
    this.channels.set(channel.id, channel);
    this.failChannel(channel.id, 403);
    return channel;
  }

  /**
   * A command registered only in guilds is never offered in a DM (Discord shows DMs global commands only): a
   * dispatcher asked for one throws, since no user could send that interaction. Unregistered names pass.
   */
  private requireUsableHere(name: string, command: APIApplicationCommand | undefined, guildId: string | null): void {
    if (guildId !== null || command !== undefined) return;
    if ([...this.guildCommands.values()].some((store) => store.has(name))) {
      throw new Error(`fake Discord: /${name} is registered only in a guild, so Discord does not offer it in DMs`);
    }
  }

  private findCommand(name: string, guildId: string | null): APIApplicationCommand | undefined {
    const inGuild = guildId ? this.guildCommands.get(guildId)?.get(name) : undefined;
    return inGuild ?? this.globalCommands.get(name);
  }

  /** Builds interaction options (nested under a subcommand) and their `resolved` data. */
  private buildOptions(
    input: InteractionOptions,
    command: APIApplicationCommand | undefined,
    guild: FakeGuild | null,
  ): { options: APIApplicationCommandInteractionDataOption[]; resolved: APIInteractionDataResolved | null } {
    let definitions: readonly APIApplicationCommandOption[] = command?.options ?? [];
    const descend = (name: string | undefined): void => {
      const found = definitions.find((d) => d.name === name);
      definitions = found && 'options' in found ? ((found.options ?? []) as APIApplicationCommandOption[]) : [];
    };
    descend(input.subcommandGroup ?? input.subcommand);
    if (input.subcommandGroup) descend(input.subcommand);

    type Resolved = Required<Pick<APIInteractionDataResolved, 'channels' | 'users' | 'members' | 'roles'>>;
    const resolved: Resolved = { channels: {}, users: {}, members: {}, roles: {} };
    let usedResolved = false;
    const leaves = Object.entries(input.options ?? {}).map(([name, value]): APIApplicationCommandInteractionDataOption => {
      const declared = definitions.find((d) => d.name === name)?.type;
      const focused = input.focused === name ? { focused: true } : {};
      const id = typeof value === 'object' ? Object.values(value)[0] : typeof value === 'string' ? value : '';
      const type =
        typeof value === 'object'
          ? 'channel' in value
            ? ApplicationCommandOptionType.Channel
            : 'user' in value
              ? ApplicationCommandOptionType.User
              : ApplicationCommandOptionType.Role
          : (declared ??
            (typeof value === 'string'
              ? ApplicationCommandOptionType.String
              : typeof value === 'boolean'
                ? ApplicationCommandOptionType.Boolean
                : Number.isInteger(value)
                  ? ApplicationCommandOptionType.Integer
                  : ApplicationCommandOptionType.Number));
      if (focused.focused === true && typeof value !== 'object') {
        return { name, type, value: String(value), focused: true } as APIApplicationCommandInteractionDataOption;
      }
      if (type === ApplicationCommandOptionType.Channel) {
        const channel = this.channels.get(id ?? '') ?? throwError(new Error(`fake Discord: no channel ${id}`));
        resolved.channels[channel.id] = { ...channel, permissions: EVERYONE_PERMISSIONS.toString() } as never;
        usedResolved = true;
      } else if (type === ApplicationCommandOptionType.User) {
        const user = this.addUser({ id: id ?? '' });
        resolved.users[user.id] = user;
        if (guild) {
          const { user: _user, ...member } = this.member(user, []);
          resolved.members[user.id] = { ...member, permissions: EVERYONE_PERMISSIONS.toString() } as never;
        }
        usedResolved = true;
      } else if (type === ApplicationCommandOptionType.Role) {
        const role = guild?.roles.find((r) => r.id === id) ?? throwError(new Error(`fake Discord: no role ${id}`));
        resolved.roles[role.id] = role;
        usedResolved = true;
      }
      const plain = typeof value === 'object' ? id : value;
      return { name, type, value: plain, ...focused } as APIApplicationCommandInteractionDataOption;
    });

    const wrap = (name: string, type: ApplicationCommandOptionType, options: APIApplicationCommandInteractionDataOption[]) =>
      [{ name, type, options } as APIApplicationCommandInteractionDataOption];
    let options = leaves;
    if (input.subcommand) options = wrap(input.subcommand, ApplicationCommandOptionType.Subcommand, options);
    if (input.subcommandGroup) options = wrap(input.subcommandGroup, ApplicationCommandOptionType.SubcommandGroup, options);
    return { options, resolved: usedResolved ? resolved : null };
  }

  // ----- commands ----------------------------------------------------------------------------------------

  private commandStore(applicationId: string, guildId: string | null, create = false): Map<string, APIApplicationCommand> {
    if (applicationId !== this.applicationId) throw new ApiError(404, 10002, 'Unknown Application');
    if (guildId === null) return this.globalCommands;
    this.requireGuild(guildId);
    let store = this.guildCommands.get(guildId);
    if (!store) {
      store = new Map();
      if (create) this.guildCommands.set(guildId, store);
    }
    return store;
  }

  private putCommands(applicationId: string, guildId: string | null, body: unknown): APIApplicationCommand[] {
    if (!Array.isArray(body)) throw invalidForm([formError('_', 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType')]);
    this.checkCommands(body as Array<Record<string, unknown>>);
    const store = this.commandStore(applicationId, guildId, true);
    const previous = new Map(store);
    store.clear();
    return (body as Array<Record<string, unknown>>).map((command) => this.saveCommand(store, command, guildId, previous));
  }

  private saveCommand(
    store: Map<string, APIApplicationCommand>,
    body: Record<string, unknown>,
    guildId: string | null,
    previous: Map<string, APIApplicationCommand> = store,
  ): APIApplicationCommand {
    const name = String(body.name);
    const command = {
      description: '',
      options: [],
      default_member_permissions: null,
      nsfw: false,
      integration_types: [0],
      contexts: null,
      ...body,
      id: previous.get(name)?.id ?? this.snowflake(),
      application_id: this.applicationId,
      type: (body.type as number | undefined) ?? 1,
      name,
      version: this.snowflake(),
      ...(guildId ? { guild_id: guildId } : {}),
    } as APIApplicationCommand;
    store.set(name, command);
    return command;
  }

  /** Discord's checks on command definitions that builders do not always catch. */
  private checkCommands(commands: Array<Record<string, unknown>>): void {
    const errors: FormError[] = [];
    const checkLevel = (items: Array<Record<string, unknown>>, path: string, isTopLevel: boolean): void => {
      if (items.length > 25) errors.push(tooLong(path || '_', 25));
      let optionalSeen = false;
      items.forEach((item, i) => {
        const at = path ? `${path}.${i}` : String(i);
        const name = String(item.name ?? '');
        const isChatInput = !isTopLevel || (item.type ?? 1) === 1;
        const validName = /^[-_'\p{L}\p{N}]{1,32}$/u.test(name) && name === name.toLowerCase();
        if (isChatInput && !validName) errors.push(formError(`${at}.name`, 'APPLICATION_COMMAND_INVALID_NAME', `Command name is invalid: ${name}`));
        const description = String(item.description ?? '');
        if (isChatInput && (description.length < 1 || description.length > 100)) errors.push(badLength(`${at}.description`, 1, 100));
        if (!isTopLevel) {
          const isGroup = item.type === ApplicationCommandOptionType.Subcommand || item.type === ApplicationCommandOptionType.SubcommandGroup;
          if (!isGroup && item.required === true && optionalSeen) {
            errors.push(formError(`${at}.required`, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options'));
          }
          if (!isGroup && item.required !== true) optionalSeen = true;
          if (Array.isArray(item.choices) && item.choices.length > 25) errors.push(tooLong(`${at}.choices`, 25));
        }
        if (isTopLevel) errors.push(...commandFieldErrors(item, at));
        if (Array.isArray(item.options)) checkLevel(item.options as Array<Record<string, unknown>>, `${at}.options`, false);
      });
    };
    checkLevel(commands, '', true);
    if (errors.length > 0) throw invalidForm(errors);
  }

  // ----- guilds and channels -----------------------------------------------------------------------------

  private addGuild(options: FakeGuildOptions): void {
    const id = options.id ?? this.snowflake();
    const role = (roleId: string, name: string, permissions: bigint, position: number, managed = false): APIRole => ({
      id: roleId,
      name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position,
      permissions: permissions.toString(),
      managed,
      mentionable: false,
      flags: 0 as RoleFlags,
      ...(managed ? { tags: { bot_id: this.botUser.id } } : {}),
    });
    const roles = [
      role(id, '@everyone', EVERYONE_PERMISSIONS, 0),
      role(this.snowflake(), this.botUser.username, options.botPermissions ?? BOT_PERMISSIONS, 1, true),
      ...(options.roles ?? []).map((r, i) => role(r.id ?? this.snowflake(), r.name, r.permissions, i + 2)),
    ];
    const channels = (options.channels ?? ['general']).map((spec, position): APITextChannel => {
      const { id: channelId, name, overwrites = [] } = typeof spec === 'string' ? { id: undefined, name: spec, overwrites: [] } : spec;
      return {
        id: channelId ?? this.snowflake(),
        type: ChannelType.GuildText,
        guild_id: id,
        name,
        position,
        permission_overwrites: overwrites,
        parent_id: null,
        nsfw: false,
        topic: null,
        last_message_id: null,
        last_pin_timestamp: null,
        rate_limit_per_user: 0,
        default_auto_archive_duration: 1440,
        flags: 0 as ChannelFlags,
      };
    });
    const guild: FakeGuild = { id, name: options.name ?? 'Fake Guild', ownerId: options.ownerId ?? this.defaultUser.id, roles, channels };
    for (const channel of channels) this.channels.set(channel.id, channel);
    this.guilds.push(guild);
  }

  private requireGuild(guildId: string): FakeGuild {
    return this.guilds.find((g) => g.id === guildId) ?? throwError(unknownGuild());
  }

  private requireChannel(channelId: string): FakeChannel {
    return this.channels.get(channelId) ?? throwError(unknownChannel());
  }

  private firstChannelId(): string {
    const id = this.guilds[0]?.channels[0]?.id;
    if (!id) throw new Error('fake Discord: no guild channel to default to; pass channelId or dm');
    return id;
  }

  private makeThread(
    parent: APITextChannel,
    spec: {
      id: string;
      name: string;
      ownerId: string;
      type: ChannelType.PublicThread | ChannelType.PrivateThread;
      body?: Record<string, unknown>;
    },
  ): APIThreadChannel {
    const now = new Date().toISOString();
    const thread: APIThreadChannel = {
      id: spec.id,
      type: spec.type,
      guild_id: parent.guild_id ?? '',
      parent_id: parent.id,
      owner_id: spec.ownerId,
      name: spec.name,
      last_message_id: null,
      last_pin_timestamp: null,
      rate_limit_per_user: Number(spec.body?.rate_limit_per_user ?? 0),
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      flags: 0 as ChannelFlags,
      applied_tags: [],
      thread_metadata: {
        archived: false,
        auto_archive_duration: Number(spec.body?.auto_archive_duration ?? parent.default_auto_archive_duration ?? 1440) as 1440,
        archive_timestamp: now,
        locked: false,
        create_timestamp: now,
        ...(spec.type === ChannelType.PrivateThread ? { invitable: spec.body?.invitable !== false } : {}),
      },
      member: { id: spec.id, user_id: spec.ownerId, join_timestamp: now, flags: 0 as ThreadMemberFlags },
    };
    this.channels.set(thread.id, thread);
    return thread;
  }

  private editChannel(channel: FakeChannel, body: Record<string, unknown>): FakeChannel {
    if (channel.type === ChannelType.DM) throw wrongChannelType();
    if (typeof body.name === 'string') channel.name = body.name;
    if ('thread_metadata' in channel && channel.thread_metadata) {
      const metadata = channel.thread_metadata;
      if (typeof body.archived === 'boolean') {
        metadata.archived = body.archived;
        metadata.archive_timestamp = new Date().toISOString();
      }
      if (typeof body.locked === 'boolean') metadata.locked = body.locked;
    } else if (channel.type === ChannelType.GuildText && typeof body.topic === 'string') {
      channel.topic = body.topic;
    }
    return channel;
  }

  private member(user: APIUser, roles: string[]): APIGuildMember {
    return {
      user,
      nick: null,
      avatar: null,
      banner: null,
      roles,
      joined_at: new Date(0).toISOString(),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0 as GuildMemberFlags,
      pending: false,
      communication_disabled_until: null,
    };
  }

  /**
   * Refuses as Discord does when the bot lacks a permission in a channel: 403 Missing Access (50001)
   * without View Channel, else 403 Missing Permissions (50013). DMs need none.
   */
  private requirePermissions(channel: FakeChannel, needed: bigint): void {
    if (channel.type === ChannelType.DM) return;
    const held = this.botPermissionsIn(channel.id);
    if ((held & PermissionFlagsBits.ViewChannel) === 0n) throw new ApiError(403, 50001, 'Missing Access');
    const missing = missingPermissions(held, needed);
    if (missing.length > 0) throw new ApiError(403, 50013, 'Missing Permissions');
  }

  /** Sending in a channel: Send Messages, or Send Messages in Threads in a thread. */
  private sendPermission(channel: FakeChannel): bigint {
    const isThread = channel.type === ChannelType.PublicThread || channel.type === ChannelType.PrivateThread || channel.type === ChannelType.AnnouncementThread;
    return PermissionFlagsBits.ViewChannel | (isThread ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages);
  }

  private application(): object {
    return {
      id: this.applicationId,
      name: this.botUser.username,
      icon: null,
      description: '',
      summary: '',
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: '0'.repeat(64),
      flags: 0,
      team: null,
      owner: this.defaultUser,
      bot: this.botUser,
      install_params: { scopes: ['bot', 'applications.commands'], permissions: BOT_PERMISSIONS.toString() },
      integration_types_config: { '0': {} },
    };
  }

  private guildCreatePayload(guild: FakeGuild): GatewayGuildCreateDispatchData {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 1,
      explicit_content_filter: 0,
      roles: guild.roles,
      emojis: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: guild.channels[0]?.id ?? null,
      system_channel_flags: 0 as GuildSystemChannelFlags,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: Locale.EnglishUS,
      public_updates_channel_id: null,
      nsfw_level: 0,
      stickers: [],
      premium_progress_bar_enabled: false,
      hub_type: null,
      safety_alerts_channel_id: null,
      incidents_data: null,
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [this.member(this.botUser, [botRole(guild).id])],
      channels: guild.channels,
      // Active threads, as Discord sends them: a client that (re)connects knows the threads it can post in.
      threads: [...this.channels.values()].filter(
        (c): c is APIThreadChannel =>
          (c.type === ChannelType.PublicThread || c.type === ChannelType.PrivateThread) && c.guild_id === guild.id && !c.thread_metadata?.archived,
      ),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  // ----- gateway -----------------------------------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (this.closed || (path !== '/gateway' && path !== '/resume')) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, path));
  }

  private onConnection(ws: WebSocket, path: string): void {
    this.connections.push({ path, at: performance.now() });
    void send(ws, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs ?? 41_250 }, s: null, t: null });
    ws.on('message', (raw) => this.onGatewayMessage(ws, String(raw)));
    ws.on('close', (code) => {
      for (const session of this.sessions.values()) {
        if (session.socket !== ws) continue;
        session.socket = null;
        // A client closing normally ends its session; any other close leaves it resumable.
        if (code === 1000 || code === 1001) this.sessions.delete(session.id);
      }
    });
  }

  private onGatewayMessage(ws: WebSocket, raw: string): void {
    let payload: { op?: number; d?: Record<string, unknown> | number | null };
    try {
      payload = JSON.parse(raw) as typeof payload;
    } catch (error) {
      ws.close(4002, `Error while decoding payload: ${String(error)}`);
      return;
    }
    const d = isObject(payload.d) ? { ...payload.d, ...('token' in payload.d ? { token: '[redacted]' } : {}) } : payload.d;
    this.gatewayLog.push({ op: payload.op ?? -1, d, at: performance.now() });
    const data = isObject(payload.d) ? payload.d : {};

    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        void send(ws, { op: GatewayOpcodes.HeartbeatAck, d: null, s: null, t: null });
        return;
      case GatewayOpcodes.Identify:
        this.identify(ws, data);
        return;
      case GatewayOpcodes.Resume:
        this.resume(ws, data);
        return;
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
      case GatewayOpcodes.RequestGuildMembers:
        return;
      default:
        ws.close(4001, 'Unknown opcode.');
    }
  }

  private identify(ws: WebSocket, data: Record<string, unknown>): void {
    if ([...this.sessions.values()].some((s) => s.socket === ws)) {
      ws.close(4005, 'Already authenticated.');
      return;
    }
    const expected = this.options.gatewayToken ?? this.options.token;
    if (expected !== undefined && data.token !== expected) {
      ws.close(4004, 'Authentication failed.');
      return;
    }
    const intents = Number(data.intents ?? 0);
    if ((intents & ~KNOWN_INTENTS) !== 0) {
      ws.close(4013, 'Invalid intent(s).');
      return;
    }
    if ((intents & PRIVILEGED_INTENTS & ~(this.options.privilegedIntents ?? PRIVILEGED_INTENTS)) !== 0) {
      ws.close(4014, 'Disallowed intent(s).');
      return;
    }
    const shard = identifiedShard(data.shard);
    if (shard === null) {
      ws.close(4010, 'Invalid shard.');
      return;
    }
    const session: GatewaySession = {
      id: randomBytes(16).toString('hex'),
      intents: Number(data.intents ?? 0),
      socket: ws,
      seq: 0,
      shard,
      history: [],
    };
    this.sessions.set(session.id, session);
    // A shard is told of its own guilds only, as on Discord.
    const guilds = this.guilds.filter((g) => shardOfGuild(g.id, shard[1]) === shard[0]);
    const ready: GatewayReadyDispatchData = {
      v: 10,
      user: this.botUser,
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/resume`,
      shard: [shard[0], shard[1]],
      application: { id: this.applicationId, flags: 0 as ApplicationFlags, flags_new: '0' },
    };
    void this.sendDispatch(session, GatewayDispatchEvents.Ready, ready);
    for (const guild of guilds) void this.sendDispatch(session, GatewayDispatchEvents.GuildCreate, this.guildCreatePayload(guild));
  }

  /** Replays what the client missed, then RESUMED; an unknown session gets Invalid Session. */
  private resume(ws: WebSocket, data: Record<string, unknown>): void {
    const session = this.sessions.get(String(data.session_id));
    if (!session || (this.options.token !== undefined && data.token !== this.options.token)) {
      void send(ws, { op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
      return;
    }
    session.socket = ws;
    const seen = Number(data.seq ?? 0);
    for (const event of session.history) {
      if (event.s > seen) void send(ws, { op: GatewayOpcodes.Dispatch, ...event });
    }
    void this.sendDispatch(session, GatewayDispatchEvents.Resumed, {});
  }

  private requireSession(): void {
    if (this.sessions.size === 0) throw new Error('fake Discord: no client has identified on the gateway');
  }

  private broadcastLater(event: GatewayDispatchEvents, data: unknown): void {
    // After the REST response, so a client sees its request answered first, as usually on Discord.
    setImmediate(() => void this.broadcast(event, data));
  }

  private async broadcast(event: GatewayDispatchEvents, data: unknown): Promise<void> {
    const guildId = guildOfEvent(event, data);
    await Promise.all([...this.sessions.values()].map((session) => {
      if (!shardReceives(session.shard, guildId)) return Promise.resolve();
      const visible = this.visibleTo(session, event, data);
      return visible === null ? Promise.resolve() : this.sendDispatch(session, event, visible);
    }));
  }

  /** What a session receives of an event, given its intents (null: nothing). */
  private visibleTo(session: GatewaySession, event: GatewayDispatchEvents, data: unknown): unknown {
    const has = (bit: number): boolean => (session.intents & bit) !== 0;
    if (event === GatewayDispatchEvents.MessageCreate || event === GatewayDispatchEvents.MessageUpdate) {
      const message = data as APIMessage & { guild_id?: string };
      const inDm = message.guild_id === undefined;
      if (!has(inDm ? GatewayIntentBits.DirectMessages : GatewayIntentBits.GuildMessages)) return null;
      // Without Message Content, Discord blanks guild messages that do not mention the bot.
      const isBot = (user: APIUser): boolean => user.id === this.botUser.id;
      const seesContent = has(GatewayIntentBits.MessageContent) || inDm || isBot(message.author) || message.mentions.some(isBot);
      return seesContent ? data : { ...message, content: '', embeds: [], attachments: [], components: [] };
    }
    if (event.startsWith('THREAD_') || event.startsWith('CHANNEL_') || event.startsWith('GUILD_')) {
      return has(GatewayIntentBits.Guilds) ? data : null;
    }
    return data;
  }

  private sendDispatch(session: GatewaySession, event: GatewayDispatchEvents, data: unknown): Promise<void> {
    this.dispatches.push({ event, shard: session.shard, guildId: guildOfEvent(event, data) });
    session.seq += 1;
    const frame = { s: session.seq, t: event, d: data };
    session.history.push(frame);
    if (session.history.length > 1000) session.history.shift();
    return session.socket ? send(session.socket, { op: GatewayOpcodes.Dispatch, ...frame }) : Promise.resolve();
  }

  private snowflake(): string {
    const fromClock = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
    this.lastSnowflake = fromClock > this.lastSnowflake ? fromClock : this.lastSnowflake + 1n;
    return this.lastSnowflake.toString();
  }
}

/** Starts a fake Discord on 127.0.0.1 (a free port). Close it with `close()` before destroying clients. */
export function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  return FakeDiscord.start(options);
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

function toPredicate(matcher: CallMatcher): (call: RecordedCall) => boolean {
  if (typeof matcher === 'function') return matcher;
  return (call) =>
    (matcher.method === undefined || call.method === matcher.method.toUpperCase()) &&
    (matcher.route === undefined || call.route === matcher.route) &&
    (matcher.channelId === undefined || call.channelId === matcher.channelId) &&
    (matcher.interactionId === undefined || call.interactionId === matcher.interactionId) &&
    (matcher.path === undefined || (typeof matcher.path === 'string' ? call.path === matcher.path : matcher.path.test(call.path)));
}

function richEmbed(embed: APIEmbed): APIEmbed {
  return { ...embed, type: embed.type ?? EmbedType.Rich };
}

function throwError(error: Error): never {
  throw error;
}

function botRole(guild: FakeGuild): APIRole {
  return guild.roles[1] ?? throwError(new Error('fake Discord: guild without a bot role'));
}

function emptyParams(): Record<ParamName, string> {
  return { applicationId: '', channelId: '', emoji: '', guildId: '', interactionId: '', messageId: '', token: '', userId: '' };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape is kept as sent; no route will match it and the call is recorded as unknown.
    return segment;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, or multipart with `payload_json` and files (what discord.js sends when files are attached). */
async function parseBody(raw: Buffer, contentType: string): Promise<{ body: unknown; files: RecordedFile[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  try {
    if (!contentType.startsWith('multipart/form-data')) return { body: JSON.parse(raw.toString('utf8')) as unknown, files: [] };
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
    let body: unknown;
    const files: RecordedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value) as unknown;
      } else {
        files.push({ field, name: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) });
      }
    }
    return { body, files };
  } catch (error) {
    throw new ApiError(400, 50109, `The request body contains invalid JSON. (${String(error)})`);
  }
}

function send(ws: WebSocket, payload: object): Promise<void> {
  if (ws.readyState !== WebSocket.OPEN) return Promise.resolve();
  return new Promise((resolve) => ws.send(JSON.stringify(payload), () => resolve()));
}

function closeSocket(ws: WebSocket, code: number, reason: string): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    // A client that never answers the close frame must not hold up the test.
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 1000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(code, reason);
  });
}
