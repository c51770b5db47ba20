/**
 * `/similar paper`: the five nearest papers (by embeddings, else by distinctive words), never the paper
 * itself, one line each. The same paper option and autocomplete as /paper.
 */
import type { Command } from '../command.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { renderSimilar } from '../render/paper-message.ts';
import { autocompletePapers, paperFromOption, paperOption } from './paper.ts';
import { slashCommand } from './slash-command.ts';

export const SIMILAR_COUNT = 5;

export const similar = {
  data: slashCommand('similar', 'The papers most similar to one').addStringOption(paperOption('paper')),

  autocomplete: autocompletePapers,

  async execute(interaction, services) {
    const found = await paperFromOption(interaction, services, 'paper');
    if (found !== undefined) await interaction.reply({ ...renderSimilar(found, services.assistant.similar(found.id, SIMILAR_COUNT)), allowedMentions: NO_PINGS });
  },
} satisfies Command;
