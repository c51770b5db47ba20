/**
 * `/settings [answers] [mentions_add] [mentions_remove] [mentions_everywhere] [digest_timezone]`: a server's
 * paperbot settings (Manage Server; registered with that default permission and checked again here). Without
 * options it shows them; with options it changes them and shows the result. Every reply is private: it is
 * the admins' business. Obeyed by /ask (public or private by default), mentions (which channels) and
 * `/digest subscribe` (the time zone when none is given).
 */
import { ChannelType, InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { isUserError } from '../../core/errors.ts';
import { parseTimeZone } from '../../core/digest/schedule.ts';
import { applySettingsChange, settingsFor, type GuildSettings, type SettingsChange } from '../../core/settings/guild-settings.ts';
import type { Command } from '../command.ts';
import { answerTimeZoneAutocomplete } from './digest.ts';
import { managesServer, replyPrivately } from './slash-command.ts';

const ANSWERABLE = [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildForum] as const;
const NONE = 'none';

export const SETTINGS_GUILD_ONLY = 'Settings belong to a server: use `/settings` in a server.';
export const SETTINGS_PERMISSION_NEEDED = '🔒 Changing or viewing paperbot’s settings needs the **Manage Server** permission in this server.';
export const SETTINGS_UNAVAILABLE = 'Settings are not stored by this paperbot process.';

/** What /settings shows: each setting, what it means, and how to change it. */
export function renderSettings(settings: GuildSettings, notes: readonly string[] = []): string {
  const channels = settings.mentionChannels === null ? 'every channel I can see' : settings.mentionChannels.map((id) => `<#${id}>`).join(', ');
  const lines = [
    '**paperbot settings for this server**',
    `• Answers to \`/ask\`: **${settings.answersPrivate ? 'private' : 'public'}** by default (\`private:\` on /ask overrides it) · change with \`answers:\``,
    `• Mentions answered in: ${channels} (threads count as their channel) · \`mentions_add:\`, \`mentions_remove:\`, \`mentions_everywhere:\``,
    `• Default time zone of \`/digest subscribe\`: ${settings.digestTimeZone === null ? 'none (each subscription names its zone)' : `**${settings.digestTimeZone}**`} · \`digest_timezone:\` (\`${NONE}\` clears it)`,
    ...(settings.updatedBy === null ? [] : [`-# Last changed by <@${settings.updatedBy}> on ${settings.updatedAt?.slice(0, 10) ?? '?'}.`]),
  ];
  return [...notes.map((n) => `⚠️ ${n}`), ...lines].join('\n');
}

export const settings = {
  data: new SlashCommandBuilder()
    .setName('settings')
    .setDescription('This server’s paperbot settings: show them, or change them with the options')
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addStringOption((o) => o.setName('answers').setDescription('Whether /ask answers are public or private by default').addChoices({ name: 'public', value: 'public' }, { name: 'private', value: 'private' }))
    .addChannelOption((o) => o.setName('mentions_add').setDescription('Answer mentions in this channel (then only in the listed ones)').addChannelTypes(...ANSWERABLE))
    .addChannelOption((o) => o.setName('mentions_remove').setDescription('Stop answering mentions in this listed channel').addChannelTypes(...ANSWERABLE))
    .addBooleanOption((o) => o.setName('mentions_everywhere').setDescription('Answer mentions in every channel again (clears the list)'))
    .addStringOption((o) => o.setName('digest_timezone').setDescription(`Default IANA time zone of /digest subscribe, e.g. Europe/Berlin ("${NONE}" clears it)`).setMaxLength(64).setAutocomplete(true)),

  autocomplete: answerTimeZoneAutocomplete,

  async execute(asked, services) {
    const interaction = await managesServer(asked, services.logger, { guildOnly: SETTINGS_GUILD_ONLY, permissionNeeded: SETTINGS_PERMISSION_NEEDED });
    if (interaction === null) return;
    const store = services.guildSettings;
    if (store === null) {
      await replyPrivately(interaction, SETTINGS_UNAVAILABLE);
      return;
    }
    const current = await settingsFor(store, interaction.guildId);
    const change: SettingsChange = {};
    const answers = interaction.options.getString('answers');
    if (answers !== null) change.answersPrivate = answers === 'private';
    const add = interaction.options.getChannel('mentions_add');
    if (add !== null) change.addMentionChannel = add.id;
    const remove = interaction.options.getChannel('mentions_remove');
    if (remove !== null) change.removeMentionChannel = remove.id;
    if (interaction.options.getBoolean('mentions_everywhere') === true) change.mentionsEverywhere = true;
    const zone = interaction.options.getString('digest_timezone');
    if (zone !== null) {
      try {
        change.digestTimeZone = zone.trim().toLowerCase() === NONE ? null : parseTimeZone(zone);
      } catch (error) {
        if (!isUserError(error)) throw error;
        await replyPrivately(interaction, `Nothing was saved. ${error.message}`);
        return;
      }
    }
    if (Object.keys(change).length === 0) {
      await replyPrivately(interaction, renderSettings(current));
      return;
    }
    const { settings: next, notes } = applySettingsChange(current, change, interaction.user.id, new Date(services.now()));
    await store.save(next);
    services.logger.info({ guildId: interaction.guildId, userId: interaction.user.id, answersPrivate: next.answersPrivate, mentionChannels: next.mentionChannels?.length ?? 'all', digestTimeZone: next.digestTimeZone }, 'server settings saved');
    await replyPrivately(interaction, renderSettings(next, notes));
  },
} satisfies Command;
