/** `/about`: corpus size, embedding model, when the index was built, retrieval mode, how answers are made. */
import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../command.ts';
import { renderAbout } from '../render/info-messages.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';

export const about = {
  data: new SlashCommandBuilder()
    .setName('about')
    .setDescription('What paperbot has indexed and how it answers')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM),

  async execute(interaction, services) {
    await interaction.reply({ content: renderAbout(services.assistant.about()), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
  },
} satisfies Command;
