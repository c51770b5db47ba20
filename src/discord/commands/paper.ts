/**
 * `/paper query`: autocomplete over titles, labels, method names, authors and ids (FTS5 prefix search), then
 * the paper as an embed with a "Similar papers" button.
 */
import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { BotServices, Command } from '../command.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { paperChoices, renderPaper } from '../render/paper-message.ts';
import { LIMITS, truncate } from '../render/limits.ts';
import type { AutocompleteInteraction } from 'discord.js';

/** Shared with /similar: the papers matching what has been typed so far. */
export async function autocompletePapers(interaction: AutocompleteInteraction, services: BotServices): Promise<void> {
  const typed = String(interaction.options.getFocused()).slice(0, 200);
  await interaction.respond(paperChoices(services.assistant.findPapers(typed, LIMITS.choices)));
}

export function noPaperNotice(query: string): string {
  return `No paper matches “${truncate(query.replace(/\s+/g, ' ').trim(), 100)}”. Try a word of the title, a method name such as FaMUS, or an author.`;
}

export const paper = {
  data: new SlashCommandBuilder()
    .setName('paper')
    .setDescription('Look a paper up by title, method name, author or id')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
    .addStringOption((option) =>
      option.setName('query').setDescription('Title, method name (e.g. FaMUS), author or id').setRequired(true).setAutocomplete(true),
    ),

  autocomplete: autocompletePapers,

  async execute(interaction, services) {
    const query = interaction.options.getString('query', true);
    const found = services.assistant.resolvePaper(query);
    if (found === undefined) {
      await interaction.reply({ content: noPaperNotice(query), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
      return;
    }
    await interaction.reply({ ...renderPaper(found), allowedMentions: NO_PINGS });
  },
} satisfies Command;
