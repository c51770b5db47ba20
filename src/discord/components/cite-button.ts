/**
 * "Cite" under a /paper card and "BibTeX" under an answer's sources: the BibTeX of that paper, or of every
 * paper the answer cited (read back from the stored answer, so the button works after a restart), sent to
 * the person who pressed only.
 */
import type { Paper } from '../../core/corpus/paper.ts';
import type { BotServices, ButtonHandler } from '../command.ts';
import { citationReply } from '../commands/cite.ts';
import { replyPrivately } from '../commands/slash-command.ts';
import { parseAnswerBibtexId, parseCiteId } from '../custom-ids.ts';
import { PAPER_GONE, paperById } from '../paper-by-id.ts';

/** The papers of these ids still in the index (an id no longer there is left out). */
async function papersOf(ids: readonly string[], services: BotServices): Promise<Paper[]> {
  const papers: Paper[] = [];
  for (const id of ids) {
    const paper = await paperById(services.assistant, id);
    if (paper !== undefined) papers.push(paper);
  }
  return papers;
}

export const citeButton = {
  kind: 'cite',
  async execute(interaction, services) {
    const parsed = parseCiteId(interaction.customId);
    const papers = parsed === null ? [] : await papersOf([parsed.paperId], services);
    if (papers.length === 0) {
      await replyPrivately(interaction, PAPER_GONE);
      return;
    }
    await interaction.reply(citationReply(papers, 'bibtex', { ephemeral: true }));
  },
} satisfies ButtonHandler;

export const answerBibtexButton = {
  kind: 'bibtex',
  async execute(interaction, services) {
    const parsed = parseAnswerBibtexId(interaction.customId);
    const answer = parsed === null ? undefined : await services.feedback.getAnswer(parsed.answerId);
    const papers = answer === undefined ? [] : await papersOf(answer.paperIds, services);
    if (papers.length === 0) {
      const content = answer === undefined ? 'I no longer have the sources of that answer.' : 'The papers that answer cited are no longer in the index.';
      await replyPrivately(interaction, content);
      return;
    }
    await interaction.reply(citationReply(papers, 'bibtex', { ephemeral: true }));
  },
} satisfies ButtonHandler;
