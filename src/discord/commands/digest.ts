/**
 * `/digest subscribe|unsubscribe|preview|status`: a server's daily paper digests. Registered with
 * `default_member_permissions` = Manage Server, and checked again here (a server can override who sees a
 * command; the permission is what counts). Every reply is ephemeral: it is the admins' business. Input
 * problems (a time such as 25:00, an unknown zone, a count of 0) are all named in one reply, and nothing is
 * stored. The digests themselves (scheduling, claim then send) live in src/digest/.
 */
import {
  ChannelType,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { isUserError, UserError } from '../../core/errors.ts';
import { parseDigestTime, parseTimeZone } from '../../core/digest/schedule.ts';
import { settingsFor } from '../../core/settings/guild-settings.ts';
import type { BotServices, Command } from '../command.ts';
import type { DigestService } from '../../digest/digest-service.ts';
import { DIGESTS_UNAVAILABLE, GUILD_ONLY, MANAGE_SERVER_NEEDED, renderPreview, renderStatus, renderSubscribed, renderUnsubscribed } from '../render/digest-replies.ts';
import { LIMITS } from '../render/limits.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { splitMessage } from '../render/split-message.ts';
import { managesServer, replyPrivately } from './slash-command.ts';

export const DEFAULT_DIGEST_COUNT = 5;
export const MAX_DIGEST_COUNT = 10;
export const MAX_TOPIC_LENGTH = 200;
export const NO_TIME_ZONE = 'Nothing was saved: give a `timezone` (e.g. Europe/Berlin), or set the server’s default once with `/settings digest_timezone:`.';

const POSTABLE = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;

export interface SubscriptionSettings {
  time: string;
  timeZone: string;
  count: number;
  topic: string | null;
}

/**
 * Checks what was typed into `/digest subscribe`. Throws one UserError (`E_DIGEST_INPUT`) naming every problem,
 * e.g. `"25:00" is not a time of day: the hour must be between 00 and 23` and `count must be …`.
 */
export function validateSubscription(input: { time: string; timeZone: string; count: number | null; topic: string | null }): SubscriptionSettings {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      if (!isUserError(error)) throw error;
      problems.push(error.message);
      return undefined;
    }
  };
  const time = attempt(() => parseDigestTime(input.time).text);
  const timeZone = attempt(() => parseTimeZone(input.timeZone));
  const count = input.count ?? DEFAULT_DIGEST_COUNT;
  if (!Number.isInteger(count) || count < 1 || count > MAX_DIGEST_COUNT) problems.push(`count must be a whole number of papers from 1 to ${MAX_DIGEST_COUNT}, not ${count}.`);
  const topic = input.topic?.replace(/\s+/g, ' ').trim() || null;
  if (topic !== null && topic.length > MAX_TOPIC_LENGTH) problems.push(`the topic is ${topic.length} characters long: keep it to ${MAX_TOPIC_LENGTH} (a few keywords work best).`);
  if (problems.length > 0 || time === undefined || timeZone === undefined) {
    throw new UserError('E_DIGEST_INPUT', `Nothing was saved. ${problems.map((p) => `\n• ${p}`).join('')}`);
  }
  return { time, timeZone, count, topic };
}

/** The autocomplete of a time-zone option (`/digest subscribe timezone`, `/settings digest_timezone`). */
export async function answerTimeZoneAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
  const typed = String(interaction.options.getFocused()).slice(0, 64);
  await interaction.respond(timeZoneChoices(typed).map((zone) => ({ name: zone, value: zone })));
}

/** Zones matching what was typed (the city part first), for the `timezone` option's autocomplete. */
function timeZoneChoices(typed: string, limit: number = LIMITS.choices): string[] {
  const wanted = typed.trim().toLowerCase().replace(/\s+/g, '_');
  const zones = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  if (wanted === '') return ['UTC', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Asia/Kolkata', 'Asia/Shanghai', 'Asia/Tokyo', 'Australia/Sydney'].slice(0, limit);
  const rank = (zone: string): number => {
    const lower = zone.toLowerCase();
    const city = lower.split('/').pop() ?? lower;
    if (lower === wanted || city === wanted) return 0;
    if (city.startsWith(wanted)) return 1;
    if (lower.startsWith(wanted)) return 2;
    return lower.includes(wanted) ? 3 : 9;
  };
  return zones
    .map((zone) => ({ zone, r: rank(zone) }))
    .filter((z) => z.r < 9)
    .sort((a, b) => a.r - b.r || a.zone.localeCompare(b.zone))
    .slice(0, limit)
    .map((z) => z.zone);
}

type Handler = (interaction: ChatInputCommandInteraction<'cached' | 'raw'>, digest: DigestService, services: BotServices) => Promise<void>;

const handlers: Record<string, Handler> = {
  async subscribe(interaction, digest, services) {
    const channel = interaction.options.getChannel('channel', true, [...POSTABLE]);
    // No zone given: the server's default from /settings, if it set one.
    const timeZone = interaction.options.getString('timezone') ?? (await settingsFor(services.guildSettings, interaction.guildId)).digestTimeZone;
    if (timeZone === null) {
      await replyPrivately(interaction, NO_TIME_ZONE);
      return;
    }
    let settings: SubscriptionSettings;
    try {
      settings = validateSubscription({
        time: interaction.options.getString('time', true),
        timeZone,
        count: interaction.options.getInteger('count'),
        topic: interaction.options.getString('topic'),
      });
    } catch (error) {
      if (!isUserError(error)) throw error;
      await replyPrivately(interaction, error.message);
      return;
    }
    const result = await digest.subscribe({ channelId: channel.id, guildId: interaction.guildId, userId: interaction.user.id, ...settings });
    services.logger.info({ channelId: channel.id, guildId: interaction.guildId, userId: interaction.user.id, created: result.created, ...settings }, 'digest subscription saved');
    await replyPrivately(interaction, renderSubscribed({ ...result, botCanPost: botCanPost(interaction, channel.id) }));
  },

  async unsubscribe(interaction, digest, services) {
    const channel = interaction.options.getChannel('channel', true);
    const removed = await digest.unsubscribe(channel.id);
    if (removed !== undefined) services.logger.info({ channelId: channel.id, guildId: interaction.guildId, userId: interaction.user.id }, 'digest subscription removed');
    await replyPrivately(interaction, renderUnsubscribed(channel.id, removed !== undefined));
  },

  async preview(interaction, digest) {
    const channelId = interaction.options.getChannel('channel')?.id ?? interaction.channelId;
    // Picking papers and asking the language model for TL;DRs can take longer than Discord's 3 seconds.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const subscription = await digest.subscription(channelId);
    const composed = await digest.preview(subscription ?? { channelId, timeZone: 'UTC', count: DEFAULT_DIGEST_COUNT, topic: null });
    const [first = '', ...rest] = renderPreview({ channelId, subscription, message: composed.message });
    await interaction.editReply({ content: first, allowedMentions: NO_PINGS });
    for (const content of rest) await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
  },

  async status(interaction, digest) {
    const [first = '', ...rest] = splitMessage(renderStatus(await digest.status(interaction.guildId)));
    await replyPrivately(interaction, first);
    for (const content of rest) await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
  },
};

export const digest = {
  data: new SlashCommandBuilder()
    .setName('digest')
    .setDescription('Daily digests of papers in this server’s channels')
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((sub) =>
      sub
        .setName('subscribe')
        .setDescription('Post a digest of papers in a channel every day (or change its settings)')
        .addChannelOption((o) => o.setName('channel').setDescription('Where to post').setRequired(true).addChannelTypes(...POSTABLE))
        .addStringOption((o) => o.setName('time').setDescription('Local time of day, HH:MM on the 24-hour clock, e.g. 09:00').setRequired(true).setMaxLength(10))
        .addStringOption((o) => o.setName('timezone').setDescription('IANA time zone, e.g. Europe/Berlin or UTC (default: the server’s, from /settings)').setMaxLength(64).setAutocomplete(true))
        .addIntegerOption((o) => o.setName('count').setDescription(`Papers per digest, 1–${MAX_DIGEST_COUNT} (default ${DEFAULT_DIGEST_COUNT})`).setMinValue(1).setMaxValue(MAX_DIGEST_COUNT))
        .addStringOption((o) => o.setName('topic').setDescription('Rank papers by relevance to this query, e.g. "adversarial robustness"').setMaxLength(MAX_TOPIC_LENGTH)),
    )
    .addSubcommand((sub) =>
      sub
        .setName('unsubscribe')
        .setDescription('Stop the daily digest of a channel')
        .addChannelOption((o) => o.setName('channel').setDescription('The channel whose digest to stop').setRequired(true).addChannelTypes(...POSTABLE)),
    )
    .addSubcommand((sub) =>
      sub
        .setName('preview')
        .setDescription('Show (only to you) exactly what a channel’s digest would post now')
        .addChannelOption((o) => o.setName('channel').setDescription('Default: this channel').addChannelTypes(...POSTABLE)),
    )
    .addSubcommand((sub) => sub.setName('status').setDescription('Every digest of this server: next run, last post, last error')),

  autocomplete: answerTimeZoneAutocomplete,

  async execute(asked, services) {
    const interaction = await managesServer(asked, services.logger, { guildOnly: GUILD_ONLY, permissionNeeded: MANAGE_SERVER_NEEDED });
    if (interaction === null) return;
    const digests = services.digest;
    if (digests === null) {
      await replyPrivately(interaction, DIGESTS_UNAVAILABLE);
      return;
    }
    const handler = handlers[interaction.options.getSubcommand(true)];
    if (handler === undefined) {
      await replyPrivately(interaction, 'This /digest subcommand is not handled by this version of paperbot; run `npm run deploy-commands`.');
      return;
    }
    await handler(interaction, digests, services);
  },
} satisfies Command;

/** Whether the bot may post in the channel, from the cached server; null when that cannot be worked out. */
function botCanPost(interaction: ChatInputCommandInteraction, channelId: string): boolean | null {
  const guild = interaction.guild;
  const me = guild?.members.me;
  const channel = guild?.channels.cache.get(channelId);
  if (me == null || channel === undefined) return null;
  const permissions = channel.permissionsFor(me);
  return permissions.has([PermissionFlagsBits.ViewChannel, PermissionFlagsBits.SendMessages]);
}
