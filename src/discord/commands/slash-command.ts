/**
 * What the slash commands share: the builder every command but /digest starts from (usable in servers and
 * in DMs with the bot), and the private reply that refusals, notices and /help-like answers use.
 */
import { InteractionContextType, MessageFlags, SlashCommandBuilder, type RepliableInteraction } from 'discord.js';
import { NO_PINGS } from '../render/outgoing-message.ts';

/** A command named `name`, offered in servers and in DMs with the bot. */
export function slashCommand(name: string, description: string): SlashCommandBuilder {
  return new SlashCommandBuilder().setName(name).setDescription(description).setContexts(InteractionContextType.Guild, InteractionContextType.BotDM);
}

/** Replies with `content` that only the person who asked sees, pinging nobody. */
export async function replyPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
}
