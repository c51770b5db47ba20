/**
 * A paper as an embed (title or label, authors, year, venue, link, abstract, source and id) within every
 * embed limit, with a "Similar papers" button; the autocomplete choices that lead to it; the list of similar
 * papers. Pure: paper in, Discord JSON out.
 */
import { ButtonStyle, type APIApplicationCommandOptionChoice, type APIEmbed, type APIEmbedField } from 'discord.js';
import type { Paper } from '../../core/corpus/paper.ts';
import type { SimilarPaper } from '../../assistant/assistant.ts';
import { citeId, similarId, askPaperId } from '../custom-ids.ts';
import { escapeText } from './discord-markdown.ts';
import { LIMITS, linkUrl, oneLine, sourceLink, truncate, truncateAtSentence } from './limits.ts';
import { actionButton, linkButton, toRows, type OutgoingMessage } from './outgoing-message.ts';

const EMBED_COLOR = 0x5865f2;

export function paperTitle(paper: Pick<Paper, 'title' | 'label'>): string {
  return oneLine(paper.title ?? paper.label);
}

export function renderPaper(paper: Paper): OutgoingMessage {
  const fields: APIEmbedField[] = [];
  const field = (name: string, value: string | null, inline = true): void => {
    if (value !== null && value.trim() !== '') fields.push({ name, value: truncate(value, LIMITS.embedFieldValue), inline });
  };
  field('Authors', paper.authors.length > 0 ? escapeText(paper.authors.join(', ')) : null, false);
  field('Year', paper.year === null ? null : String(paper.year));
  field('Venue', paper.venue === null ? null : escapeText(oneLine(paper.venue)));
  if (paper.title === null) field('Title', 'not given in the corpus (this label is taken from the abstract)', false);
  field('Source', `\`${paper.source.replace(/`/g, "'")}\``);
  field('Id', `\`${paper.id.replace(/`/g, "'")}\``);

  const url = linkUrl(paper.url);
  const embed: APIEmbed = {
    title: truncate(escapeText(paperTitle(paper)), LIMITS.embedTitle),
    description: truncateAtSentence(escapeText(paper.abstract.trim()), LIMITS.embedDescription),
    color: EMBED_COLOR,
    fields: fields.slice(0, LIMITS.embedFields),
    ...(url === null ? {} : { url }),
  };
  const buttons = [];
  const similar = similarId(paper.id);
  if (similar !== null) buttons.push(actionButton(similar, 'Similar papers', { emoji: '🔗', style: ButtonStyle.Primary }));
  const cite = citeId(paper.id);
  if (cite !== null) buttons.push(actionButton(cite, 'Cite', { emoji: '📑' }));
  const askAbout = askPaperId(paper.id);
  if (askAbout !== null) buttons.push(actionButton(askAbout, 'Ask about this paper', { emoji: '💬' }));
  const open = paper.url === null ? null : linkButton('Open paper', paper.url);
  if (open !== null) buttons.push(open);
  return { embeds: [fitEmbed(embed)], components: toRows(buttons) };
}

/** Characters Discord counts toward the 6,000 total of an embed. */
export function embedSize(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

/** Shortens the description (then drops trailing fields) until the whole embed fits in 6,000 characters. */
export function fitEmbed(embed: APIEmbed): APIEmbed {
  const fitted: APIEmbed = { ...embed, fields: [...(embed.fields ?? [])] };
  const excess = embedSize(fitted) - LIMITS.embedTotal;
  if (excess > 0 && fitted.description !== undefined) {
    fitted.description = truncateAtSentence(fitted.description, Math.max(1, fitted.description.length - excess));
  }
  while (embedSize(fitted) > LIMITS.embedTotal && (fitted.fields?.length ?? 0) > 0) fitted.fields?.pop();
  return fitted;
}

/**
 * Autocomplete choices: at most 25, names at most 100 characters ("Title (2023)"), value the paper id. An
 * id longer than Discord's 100 is replaced by the name, which the command resolves by search.
 */
export function paperChoices(papers: readonly Paper[]): APIApplicationCommandOptionChoice<string>[] {
  const seen = new Set<string>();
  const choices: APIApplicationCommandOptionChoice<string>[] = [];
  for (const paper of papers) {
    const year = paper.year === null ? '' : ` (${paper.year})`;
    const name = `${truncate(paperTitle(paper), LIMITS.choiceName - year.length)}${year}` || paper.id.slice(0, LIMITS.choiceName);
    const value = paper.id.length <= LIMITS.choiceValue ? paper.id : truncate(paperTitle(paper), LIMITS.choiceValue);
    if (seen.has(value)) continue;
    seen.add(value);
    choices.push({ name, value });
    if (choices.length === LIMITS.choices) break;
  }
  return choices;
}

export function renderSimilar(paper: Paper, similar: readonly SimilarPaper[]): OutgoingMessage {
  const heading = `**Papers similar to ${escapeText(truncate(paperTitle(paper), 200))}**`;
  if (similar.length === 0) return { content: `${heading}\nNo other paper in the index is similar enough.`, components: [] };
  const lines = similar.map((s, i) => {
    const year = s.paper.year === null ? '' : ` (${s.paper.year})`;
    const score = s.similarity === null ? '' : ` · similarity ${s.similarity.toFixed(2)}`;
    return `${i + 1}. **${escapeText(truncate(paperTitle(s.paper), 150))}**${year} — \`${s.paper.source.replace(/`/g, "'")}\`${score}${sourceLink(s.paper.url)}`;
  });
  const note = similar.every((s) => s.similarity === null) ? '\n-# By shared distinctive words (no embeddings loaded).' : '';
  return { content: truncate(`${heading}\n${lines.join('\n')}${note}`, LIMITS.content), components: [] };
}
