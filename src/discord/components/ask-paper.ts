/**
 * "Ask about this paper" under a /paper card: the button opens a modal (one paragraph box); the question
 * typed there is answered like /ask, in the channel, from that paper first: all of its passages are given
 * to the model before the question's other passages (Assistant's `paperFirst`), and the relevance gate does
 * not refuse a question about a paper the person chose ("what is its main result?" names nothing to match).
 */
import type { ModalBuilder, ModalSubmitInteraction } from 'discord.js';
import type { BotServices, ButtonHandler } from '../command.ts';
import { answerInteraction, questionModal } from '../commands/ask.ts';
import { replyPrivately } from '../commands/slash-command.ts';
import { ASK_MODAL_QUESTION, askPaperId, parseAskPaperId } from '../custom-ids.ts';
import { PAPER_GONE, paperById } from '../paper-by-id.ts';
import { truncate } from '../render/limits.ts';
import { paperTitle } from '../render/paper-message.ts';

export function askPaperModal(paperId: string, title: string, maxQuestionLength: number): ModalBuilder | null {
  const customId = askPaperId(paperId);
  if (customId === null) return null;
  return questionModal({ customId, title: 'Ask about this paper', label: 'Your question about the paper', description: truncate(title, 100), maxQuestionLength });
}

export const askPaperButton = {
  kind: 'ask-paper',
  async execute(interaction, services) {
    const parsed = parseAskPaperId(interaction.customId);
    const paper = parsed === null ? undefined : await paperById(services.assistant, parsed.paperId);
    const modal = paper === undefined ? null : askPaperModal(paper.id, paperTitle(paper), services.settings.maxQuestionLength);
    if (modal === null) {
      await replyPrivately(interaction, PAPER_GONE);
      return;
    }
    await interaction.showModal(modal);
  },
} satisfies ButtonHandler;

/** The modal's submission: `paperId` came back in its custom id. */
export async function answerAboutPaper(interaction: ModalSubmitInteraction, paperId: string, services: BotServices): Promise<void> {
  const paper = await paperById(services.assistant, paperId);
  if (paper === undefined) {
    await replyPrivately(interaction, PAPER_GONE);
    return;
  }
  services.logger.info({ paperId }, 'asked about a paper');
  await answerInteraction(interaction, interaction.fields.getTextInputValue(ASK_MODAL_QUESTION), false, services, { source: 'paper-modal', paperFirst: paperId });
}
