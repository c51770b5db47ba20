/**
 * What the slash commands share: the builder every command but /digest, /add and /settings starts from
 * (usable wherever paperbot is installed, to a server or to an account), and the private reply that refusals, notices and /help-like answers use.
 */
import { ApplicationIntegrationType, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction, type RepliableInteraction } from 'discord.js';
import type { Logger } from '../../core/logger.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';

/**
 * A command named `name`, usable wherever paperbot is: installed to a server or to a person's account
 * (user install), in servers, in DMs with the bot and in other DMs and group DMs (private channels, where
 * only a user install reaches). What changes a server (/digest, /add, /settings) builds its own, guild-only.
 */
export function slashCommand(name: string, description: string): SlashCommandBuilder {
  return new SlashCommandBuilder()
    .setName(name)
    .setDescription(description)
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall)
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel);
}

/** Replies with `content` that only the person who asked sees, pinging nobody. */
export async function replyPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
}

/**
 * For the commands that change a server's paperbot (/digest, /add): the interaction, as a server's, when a
 * member with Manage Server used it; otherwise the person is told why, privately, and null. Discord hides such commands from
 * members without the permission, but a server can change that, so it is checked again here.
 */
export async function managesServer(
  interaction: ChatInputCommandInteraction,
  logger: Logger,
  notices: { guildOnly: string; permissionNeeded: string },
): Promise<ChatInputCommandInteraction<'cached' | 'raw'> | null> {
  if (!interaction.inGuild()) {
    await replyPrivately(interaction, notices.guildOnly);
    return null;
  }
  if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
    logger.info({ userId: interaction.user.id, guildId: interaction.guildId, command: interaction.commandName }, 'refused: no Manage Server permission');
    await replyPrivately(interaction, notices.permissionNeeded);
    return null;
  }
  return interaction;
}
