/** Every button handler, for the bot's dispatch by the kind a custom id names (custom-ids.ts). */
import type { ButtonHandler } from '../command.ts';
import { askPaperButton } from './ask-paper.ts';
import { answerBibtexButton, citeButton } from './cite-button.ts';
import { digestVoteButton } from './digest-vote-button.ts';
import { evidenceButton } from './evidence-button.ts';
import { feedbackButton } from './feedback-button.ts';
import { publishButton } from './publish-button.ts';
import { similarButton } from './similar-button.ts';

export const buttonHandlers: readonly ButtonHandler[] = [feedbackButton, similarButton, digestVoteButton, citeButton, answerBibtexButton, evidenceButton, publishButton, askPaperButton];
