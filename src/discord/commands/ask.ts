/**
 * `/ask question [private]`: acknowledged at once (deferReply; ephemeral when private), then answered by
 * editing, with progress while the model writes. Too long or over the rate limit: an ephemeral explanation
 * instead, before any work.
 */
import { MessageFlags } from 'discord.js';
import type { Command } from '../command.ts';
import { checkQuestion, deliverAnswer, interactionTarget } from '../deliver-answer.ts';
import { replyPrivately, slashCommand } from './slash-command.ts';

export const ask = {
  data: slashCommand('ask', 'Ask a question about the indexed papers; the answer cites them')
    .addStringOption((option) => option.setName('question').setDescription('Your question, e.g. "What does FaMUS approximate?"').setRequired(true))
    .addBooleanOption((option) => option.setName('private').setDescription('Show the answer to you only')),

  async execute(interaction, services) {
    const ephemeral = interaction.options.getBoolean('private') ?? false;
    const check = checkQuestion(interaction.options.getString('question', true), interaction.user.id, services);
    if (!check.ok) {
      await replyPrivately(interaction, check.notice);
      return;
    }
    await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    await deliverAnswer({
      question: check.question,
      target: interactionTarget(interaction, ephemeral),
      services,
      origin: { source: 'slash', guildId: interaction.guildId, channelId: interaction.channelId },
      startedAt: services.now(),
    });
  },
} satisfies Command;
