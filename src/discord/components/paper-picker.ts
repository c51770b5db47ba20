/**
 * The choice among papers when `/paper` or `/similar` is given a query that several papers match about
 * equally, instead of silently taking the first: a private select menu of up to 25 matches; choosing one
 * posts its card (or its similar papers) in the channel.
 *
 * "About equally" (documented in the README): the query is not a paper's id, nor the whole title, label or
 * method name of exactly one paper, and the two best matches contain the same number of the query's words
 * in their titles, labels, method names and authors. "deep learning" matches three titles with both words:
 * a menu; "FaMUS" names one method: its card.
 */
import { ComponentType, type APIActionRowComponent, type APIStringSelectComponent } from 'discord.js';
import type { Paper } from '../../core/corpus/paper.ts';
import { sameStem } from '../../core/answering/extractive-answer.ts';
import { contentTerms, wordTokens } from '../../core/text.ts';
import type { SelectHandler } from '../command.ts';
import { SIMILAR_COUNT } from '../commands/similar.ts';
import { PICK_PAPER, PICK_SIMILAR } from '../custom-ids.ts';
import { PAPER_GONE, paperById } from '../paper-by-id.ts';
import { LIMITS, oneLine, truncate } from '../render/limits.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { paperTitle, renderPaper, renderSimilar } from '../render/paper-message.ts';

/** Discord's limits on a string select: 25 options, labels, values and descriptions of 100. */
const SELECT_TEXT = 100;

const normalized = (text: string): string => wordTokens(text).join(' ');

/** The matches to choose among, best first (at most 25), or null when one paper is clearly meant. Pure. */
export function ambiguousMatches(query: string, candidates: readonly Paper[]): Paper[] | null {
  if (candidates.length < 2) return null;
  const wanted = normalized(query);
  const exact = candidates.filter((p) => [p.id, p.title ?? '', p.label, ...p.aliases].some((name) => name !== '' && normalized(name) === wanted));
  if (exact.length === 1) return null;
  const terms = contentTerms(query);
  if (terms.length === 0) return null;
  const scored = candidates.map((paper, order) => {
    const words = wordTokens([paper.title ?? '', paper.label, ...paper.aliases, ...paper.authors].join(' '));
    return { paper, order, matched: terms.filter((t) => words.some((w) => sameStem(w, t))).length };
  });
  scored.sort((a, b) => b.matched - a.matched || a.order - b.order);
  const [best, second] = scored;
  if (best === undefined || second === undefined || second.matched < best.matched) return null;
  return scored.slice(0, LIMITS.choices).map((s) => s.paper);
}

/** The private reply with the menu: "Several papers match …: pick one." */
export function renderPicker(query: string, papers: readonly Paper[], customId: typeof PICK_PAPER | typeof PICK_SIMILAR): { content: string; components: Array<APIActionRowComponent<APIStringSelectComponent>> } {
  const seen = new Set<string>();
  const options = papers
    .filter((p) => p.id.length <= SELECT_TEXT && !seen.has(p.id) && seen.add(p.id))
    .map((p) => {
      const year = p.year === null ? '' : ` (${p.year})`;
      const by = p.authors.length > 0 ? p.authors.join(', ') : p.source;
      return { label: `${truncate(paperTitle(p), SELECT_TEXT - year.length)}${year}`, value: p.id, description: truncate(oneLine(by), SELECT_TEXT) };
    });
  const what = customId === PICK_PAPER ? 'its card' : 'the papers similar to it';
  return {
    content: `Several papers match “${truncate(oneLine(query), 100)}” about equally: pick one to see ${what}.`,
    components: [{ type: ComponentType.ActionRow, components: [{ type: ComponentType.StringSelect, custom_id: customId, placeholder: 'Choose a paper', min_values: 1, max_values: 1, options }] }],
  };
}

function pickHandler(kind: typeof PICK_PAPER | typeof PICK_SIMILAR): SelectHandler {
  return {
    kind,
    async execute(interaction, services) {
      const paperId = interaction.values[0] ?? '';
      const paper = await paperById(services.assistant, paperId);
      if (paper === undefined) {
        await interaction.update({ content: PAPER_GONE, components: [], allowedMentions: NO_PINGS });
        return;
      }
      await interaction.update({ content: `Chosen: **${truncate(paperTitle(paper), 200).replace(/\*/g, '\\*')}**.`, components: [], allowedMentions: NO_PINGS });
      const message = kind === PICK_PAPER ? renderPaper(paper) : renderSimilar(paper, await services.assistant.similar(paper.id, SIMILAR_COUNT));
      // The card is for the channel, as /paper's is: a follow-up without the ephemeral flag.
      await interaction.followUp({ ...message, allowedMentions: NO_PINGS });
    },
  };
}

export const pickPaperSelect = pickHandler(PICK_PAPER);
export const pickSimilarSelect = pickHandler(PICK_SIMILAR);
