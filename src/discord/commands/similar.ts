/**
 * `/similar paper`: the five nearest papers (by embeddings, else by distinctive words), never the paper
 * itself, one line each. The same paper option, autocomplete and fallback to the abstracts as /paper.
 */
import type { Command } from '../command.ts';
import { PICK_SIMILAR } from '../custom-ids.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { renderSimilar } from '../render/paper-message.ts';
import { LIMITS, truncate } from '../render/limits.ts';
import { autocompletePapers, byContentNotice, paperFromOption, paperOption } from './paper.ts';
import { slashCommand } from './slash-command.ts';

export const SIMILAR_COUNT = 5;

export const similar = {
  data: slashCommand('similar', 'The papers most similar to one').addStringOption(paperOption('paper')),

  autocomplete: autocompletePapers,

  async execute(interaction, services) {
    const found = await paperFromOption(interaction, services, 'paper', PICK_SIMILAR);
    if (found === undefined) return;
    const message = renderSimilar(found.paper, await services.assistant.similar(found.paper.id, SIMILAR_COUNT));
    const content = found.byContent ? `${byContentNotice(found.query)}\n${message.content ?? ''}` : message.content;
    await interaction.reply({ ...message, ...(content === undefined ? {} : { content: truncate(content, LIMITS.content) }), allowedMentions: NO_PINGS });
  },
} satisfies Command;
