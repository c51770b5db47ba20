/**
 * Modal submissions, dispatched by the prefix of their custom id: the question typed into `/ask`'s modal is
 * answered like `/ask`; "Ask about this paper"'s, from that paper first (ask-paper.ts). An unknown modal (an older paperbot's) gets a private notice.
 */
import { type ModalSubmitInteraction } from 'discord.js';
import type { BotServices } from '../command.ts';
import { replyPrivately } from '../commands/slash-command.ts';
import { answerInteraction } from '../commands/ask.ts';
import { ASK_MODAL_QUESTION, parseAskModalId, parseAskPaperId } from '../custom-ids.ts';
import { answerAboutPaper } from './ask-paper.ts';

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
  await replyPrivately(interaction, 'This form is not handled by this version of paperbot.');
}
