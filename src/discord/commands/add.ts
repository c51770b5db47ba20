/**
 * `/add paper:<arXiv id, arXiv URL or arXiv DOI>`: fetches the paper from the arXiv API into a corpus file
 * of its own (corpus/added/arxiv.jsonl), updates the index (one build at a time) and answers with the
 * paper's card. Already in the corpus: says so, with the card. An unknown id, arXiv down or rate-limited:
 * one sentence, nothing written. Manage Server by default, like /digest, and checked again here.
 */
import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { isUserError } from '../../core/errors.ts';
import type { Command } from '../command.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { renderPaper } from '../render/paper-message.ts';
import { ADD_GUILD_ONLY, ADD_MANAGE_SERVER_NEEDED, ADD_UNAVAILABLE, addedNotice, addedNotIndexedNotice } from '../render/source-messages.ts';
import { managesServer, replyPrivately } from './slash-command.ts';

export const add = {
  data: new SlashCommandBuilder()
    .setName('add')
    .setDescription('Add a paper from arXiv to the corpus')
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addStringOption((option) => option.setName('paper').setDescription('arXiv id (2101.00001), arXiv URL, or arXiv DOI (10.48550/arXiv.…)').setRequired(true).setMaxLength(200)),

  async execute(asked, services) {
    const interaction = await managesServer(asked, services.logger, { guildOnly: ADD_GUILD_ONLY, permissionNeeded: ADD_MANAGE_SERVER_NEEDED });
    if (interaction === null) return;
    if (services.arxiv === null) {
      await replyPrivately(interaction, ADD_UNAVAILABLE);
      return;
    }
    // arXiv's interval between requests and the index update take longer than Discord's 3 s.
    await interaction.deferReply();
    const reference = interaction.options.getString('paper', true);
    let result;
    try {
      result = await services.arxiv.add(reference);
    } catch (error) {
      if (!isUserError(error)) throw error;
      services.logger.info({ reference, code: error.code }, '/add did not add a paper');
      await interaction.editReply({ content: error.message, allowedMentions: NO_PINGS });
      return;
    }
    services.logger.info({ reference, ...result, guildId: interaction.guildId, userId: interaction.user.id }, '/add');
    const found = result.indexed === true ? await services.assistant.resolvePaper(result.paperId) : undefined;
    if (found === undefined) {
      await interaction.editReply({ content: addedNotIndexedNotice(result.arxivId, result.status, result.indexed === true ? 'it is not in the index yet' : result.indexed), allowedMentions: NO_PINGS });
      return;
    }
    await interaction.editReply({ ...renderPaper(found), content: addedNotice(result.arxivId, result.status), allowedMentions: NO_PINGS });
  },
} satisfies Command;
