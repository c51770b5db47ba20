/**
 * 👍/👎 under an answer: stores (answer id, user, vote, time) in the feedback store and says so to the
 * voter only. A second vote by the same user on the same answer replaces the first.
 */
import type { ButtonHandler } from '../command.ts';
import { replyPrivately } from '../commands/slash-command.ts';
import { parseFeedbackId } from '../custom-ids.ts';

const EMOJI = { up: '👍', down: '👎' } as const;

export const feedbackButton = {
  kind: 'feedback',
  async execute(interaction, services) {
    const parsed = parseFeedbackId(interaction.customId);
    if (parsed === null) {
      await replyPrivately(interaction, 'This button is not valid any more.');
      return;
    }
    const { previous } = await services.feedback.recordVote({
      answerId: parsed.answerId,
      userId: interaction.user.id,
      vote: parsed.vote,
      votedAt: new Date(services.now()).toISOString(),
    });
    services.logger.info({ answerId: parsed.answerId, vote: parsed.vote, replaced: previous }, 'feedback recorded');
    const emoji = EMOJI[parsed.vote];
    const content =
      previous === null
        ? `Thanks! Your ${emoji} is recorded; it helps improve the answers.`
        : previous === parsed.vote
          ? `Your ${emoji} was already recorded.`
          : `Changed your vote from ${EMOJI[previous]} to ${emoji}.`;
    await replyPrivately(interaction, content);
  },
} satisfies ButtonHandler;
