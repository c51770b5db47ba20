/** `/help`: what paperbot does and how to ask (ephemeral). */
import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../command.ts';
import { renderHelp } from '../render/info-messages.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';

export const help = {
  data: new SlashCommandBuilder()
    .setName('help')
    .setDescription('How to use paperbot')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),

  async execute(interaction, services) {
    await interaction.reply({ content: renderHelp({ messageContent: services.settings.messageContent }), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
  },
} satisfies Command;
