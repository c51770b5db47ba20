/**
 * `/cite paper [format]`: the paper's BibTeX entry (default) in a code block and as a `.bib` attachment, or
 * one plain reference line; from paperbot's metadata only. The same paper option, autocomplete and fallback
 * to the abstracts as /paper. `citationReply` is what the Cite and BibTeX buttons send too.
 */
import { MessageFlags, type InteractionReplyOptions } from 'discord.js';
import type { Paper } from '../../core/corpus/paper.ts';
import type { Command } from '../command.ts';
import { renderCitation, type CitationFormat } from '../render/citation-message.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { autocompletePapers, paperFromOption, paperOption } from './paper.ts';
import { slashCommand } from './slash-command.ts';

/** The reply carrying the citation of `papers`, the .bib file attached; `ephemeral` for the buttons. */
export function citationReply(papers: readonly Paper[], format: CitationFormat, { ephemeral = false }: { ephemeral?: boolean } = {}): InteractionReplyOptions {
  const { files, ...message } = renderCitation(papers, format);
  return {
    ...message,
    files: files.map((file) => ({ attachment: Buffer.from(file.text, 'utf8'), name: file.name })),
    allowedMentions: NO_PINGS,
    ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

export const cite = {
  data: slashCommand('cite', 'A paper’s BibTeX entry (or reference line), from the indexed metadata')
    .addStringOption(paperOption('paper'))
    .addStringOption((option) =>
      option
        .setName('format')
        .setDescription('bibtex (default: code block and .bib file) or text (one reference line)')
        .addChoices({ name: 'BibTeX', value: 'bibtex' }, { name: 'plain text', value: 'text' }),
    ),

  autocomplete: autocompletePapers,

  async execute(interaction, services) {
    const found = await paperFromOption(interaction, services, 'paper');
    if (found === undefined) return;
    const format: CitationFormat = interaction.options.getString('format') === 'text' ? 'text' : 'bibtex';
    await interaction.reply(citationReply([found.paper], format));
  },
} satisfies Command;
