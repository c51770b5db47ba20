/**
 * `/paper query`: autocomplete over titles, labels, method names, authors and ids (FTS5 prefix search), then
 * the paper as an embed with a "Similar papers" button. When nothing of that matches, the abstracts are
 * searched instead ("pruning", "label noise"), and the reply says the match was by content. The paper
 * option and its lookup serve /similar too.
 */
import { MessageFlags, type AutocompleteInteraction, type ChatInputCommandInteraction, type SlashCommandStringOption } from 'discord.js';
import type { Paper } from '../../core/corpus/paper.ts';
import type { BotServices, Command } from '../command.ts';
import { ambiguousMatches, renderPicker } from '../components/paper-picker.ts';
import { PICK_PAPER, type PICK_SIMILAR } from '../custom-ids.ts';
import { escapeText } from '../render/discord-markdown.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { paperChoices, paperTitle, renderPaper } from '../render/paper-message.ts';
import { LIMITS, truncate } from '../render/limits.ts';
import { replyPrivately, slashCommand } from './slash-command.ts';

/** The option /paper and /similar take: one paper, typed with autocomplete. */
export function paperOption(name: string): (option: SlashCommandStringOption) => SlashCommandStringOption {
  return (option) => option.setName(name).setDescription('Title, method name (e.g. FaMUS), author or id').setRequired(true).setAutocomplete(true);
}

/** Marks autocomplete choices found by the abstracts' words, so nobody takes them for a title match. */
const BY_CONTENT_CHOICE = ' · abstract';

/** The papers matching what has been typed so far into the paper option (by their abstracts when nothing else matches). */
export async function autocompletePapers(interaction: AutocompleteInteraction, services: BotServices): Promise<void> {
  const typed = String(interaction.options.getFocused()).slice(0, 200);
  const { papers, byContent } = await services.assistant.lookupPapers(typed, LIMITS.choices);
  const choices = paperChoices(papers);
  await interaction.respond(byContent ? choices.map((c) => ({ ...c, name: `${truncate(c.name, LIMITS.choiceName - BY_CONTENT_CHOICE.length)}${BY_CONTENT_CHOICE}` })) : choices);
}

function quoted(query: string): string {
  // What the user typed is repeated as text: escaped like every paper text, so `*` or a link stays inert.
  return `“${escapeText(truncate(query.replace(/\s+/g, ' ').trim(), 100))}”`;
}

export function noPaperNotice(query: string): string {
  return `No paper matches ${quoted(query)}, by title, method name, author, id or abstract. Try a word of the title, a method name such as FaMUS, or an author.`;
}

/** Said above a paper found by its abstract, since its title, names and authors do not contain the query; with the next papers found so. */
export function byContentNotice(query: string, others: readonly Paper[] = []): string {
  const notice = `-# No title, method name, author or id matches ${quoted(query)}; this paper matched by the content of its abstract.`;
  if (others.length === 0) return notice;
  const list = others.map((p) => `**${escapeText(truncate(paperTitle(p), 150))}**${p.year === null ? '' : ` (${p.year})`}`);
  return truncate(`${notice}\nAlso matching by content: ${list.join('; ')}`, LIMITS.content);
}

/**
 * The paper the option `name` names; undefined once the person has been answered privately: no paper
 * matches, or, with `pick`, several match about equally (a menu to pick one from: components/paper-picker.ts).
 */
export async function paperFromOption(
  interaction: ChatInputCommandInteraction,
  services: BotServices,
  name: string,
  pick?: typeof PICK_PAPER | typeof PICK_SIMILAR,
): Promise<{ paper: Paper; byContent: boolean; others: Paper[]; query: string } | undefined> {
  const query = interaction.options.getString(name, true);
  const byId = await services.assistant.resolvePaper(query);
  const choices = pick === undefined || byId?.id === query.trim() ? null : ambiguousMatches(query, await services.assistant.findPapers(query, LIMITS.choices));
  if (choices !== null && pick !== undefined) {
    await interaction.reply({ ...renderPicker(query, choices, pick), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
    return undefined;
  }
  const found = await services.assistant.lookupPaper(query);
  if (found === undefined) await replyPrivately(interaction, noPaperNotice(query));
  return found === undefined ? undefined : { ...found, query };
}

export const paper = {
  data: slashCommand('paper', 'Look a paper up by title, method name, author or id').addStringOption(paperOption('query')),

  autocomplete: autocompletePapers,

  async execute(interaction, services) {
    const found = await paperFromOption(interaction, services, 'query', PICK_PAPER);
    if (found === undefined) return;
    const message = renderPaper(found.paper);
    const content = found.byContent ? byContentNotice(found.query, found.others) : message.content;
    await interaction.reply({ ...message, ...(content === undefined ? {} : { content }), allowedMentions: NO_PINGS });
  },
} satisfies Command;
