/**
 * `/paper query`: autocomplete over titles, labels, method names, authors and ids (FTS5 prefix search), then
 * the paper as an embed with a "Similar papers" button. The paper option and its lookup serve /similar too.
 */
import type { AutocompleteInteraction, ChatInputCommandInteraction, SlashCommandStringOption } from 'discord.js';
import type { Paper } from '../../core/corpus/paper.ts';
import type { BotServices, Command } from '../command.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { paperChoices, renderPaper } from '../render/paper-message.ts';
import { LIMITS, truncate } from '../render/limits.ts';
import { replyPrivately, slashCommand } from './slash-command.ts';

/** The option /paper and /similar take: one paper, typed with autocomplete. */
export function paperOption(name: string): (option: SlashCommandStringOption) => SlashCommandStringOption {
  return (option) => option.setName(name).setDescription('Title, method name (e.g. FaMUS), author or id').setRequired(true).setAutocomplete(true);
}

/** The papers matching what has been typed so far into the paper option. */
export async function autocompletePapers(interaction: AutocompleteInteraction, services: BotServices): Promise<void> {
  const typed = String(interaction.options.getFocused()).slice(0, 200);
  await interaction.respond(paperChoices(services.assistant.findPapers(typed, LIMITS.choices)));
}

export function noPaperNotice(query: string): string {
  return `No paper matches “${truncate(query.replace(/\s+/g, ' ').trim(), 100)}”. Try a word of the title, a method name such as FaMUS, or an author.`;
}

/** The paper the option `name` names; undefined once the person has been told, privately, that none matches. */
export async function paperFromOption(interaction: ChatInputCommandInteraction, services: BotServices, name: string): Promise<Paper | undefined> {
  const query = interaction.options.getString(name, true);
  const found = services.assistant.resolvePaper(query);
  if (found === undefined) await replyPrivately(interaction, noPaperNotice(query));
  return found;
}

export const paper = {
  data: slashCommand('paper', 'Look a paper up by title, method name, author or id').addStringOption(paperOption('query')),

  autocomplete: autocompletePapers,

  async execute(interaction, services) {
    const found = await paperFromOption(interaction, services, 'query');
    if (found !== undefined) await interaction.reply({ ...renderPaper(found), allowedMentions: NO_PINGS });
  },
} satisfies Command;
