/**
 * Modal submissions, dispatched by the prefix of their custom id: the question typed into `/ask`'s modal is
 * answered like `/ask`; "Ask about this paper"'s, from that paper first (ask-paper.ts). An unknown modal (an older paperbot's) gets a private notice.
 */
import { MessageFlags, type ModalSubmitInteraction } from 'discord.js';
import type { BotServices } from '../command.ts';
import { answerInteraction } from '../commands/ask.ts';
import { ASK_MODAL_QUESTION, parseAskModalId, parseAskPaperId } from '../custom-ids.ts';
import { answerAboutPaper } from './ask-paper.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';

export async function handleModal(interaction: ModalSubmitInteraction, services: BotServices): Promise<void> {
  const askModal = parseAskModalId(interaction.customId);
  if (askModal !== null) {
    await answerInteraction(interaction, interaction.fields.getTextInputValue(ASK_MODAL_QUESTION), askModal.ephemeral, services);
    return;
  }
  const askPaper = parseAskPaperId(interaction.customId);
  if (askPaper !== null) {
    await answerAboutPaper(interaction, askPaper.paperId, services);
    return;
  }
  await interaction.reply({ content: 'This form is not handled by this version of paperbot.', flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
}
