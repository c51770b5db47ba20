/**
 * `/similar paper`: the five nearest papers (by embeddings, else by distinctive words), never the paper
 * itself, one line each. The same autocomplete as /paper.
 */
import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../command.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { renderSimilar } from '../render/paper-message.ts';
import { autocompletePapers, noPaperNotice } from './paper.ts';

export const SIMILAR_COUNT = 5;

export const similar = {
  data: new SlashCommandBuilder()
    .setName('similar')
    .setDescription('The papers most similar to one')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
    .addStringOption((option) =>
      option.setName('paper').setDescription('Title, method name (e.g. FaMUS), author or id').setRequired(true).setAutocomplete(true),
    ),

  autocomplete: autocompletePapers,

  async execute(interaction, services) {
    const query = interaction.options.getString('paper', true);
    const found = services.assistant.resolvePaper(query);
    if (found === undefined) {
      await interaction.reply({ content: noPaperNotice(query), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
      return;
    }
    await interaction.reply({ ...renderSimilar(found, services.assistant.similar(found.id, SIMILAR_COUNT)), allowedMentions: NO_PINGS });
  },
} satisfies Command;
