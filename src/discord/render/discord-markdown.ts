/**
 * The one Markdown escaper for everything paperbot sends to Discord. Text from papers and people (titles,
 * labels, authors, abstracts, quotes, topics, error sentences) shows exactly as written: `escapeText`.
 * Text the model wrote keeps its emphasis, lists and code, the way an answer is written: `escapeAnswer`.
 * Both make inert what Discord would otherwise act on: a masked link `[text](url)` becomes "text (url)", a
 * URL becomes a code span (Discord neither links nor previews code), `@everyone`/`@here` get a zero-width
 * space (allowed_mentions already stops the ping; this stops the highlight), `<@…>`/`<#…>`/`<t:…>` show as
 * typed, spoilers and headings are escaped. Only links paperbot builds from its own metadata are clickable
 * (`linkUrl` in limits.ts, in <> so they are not previewed).
 */
import { escapeMarkdown } from 'discord.js';

/** Any `scheme://…` Discord might turn into a link; a backtick ends it, so it fits in a code span. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s<>`]+/gi;
const MASKED_LINK = /\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"\n]*")?\s*\)/g;
/** Marks where a URL was taken out while the rest is escaped (private-use characters: never in real text). */
const HOLE = /\uE010(\d+)\uE011/g;

/** Text from a paper or a person, shown as typed: no Markdown, no link, no ping, no highlight. */
export function escapeText(text: string): string {
  return withInertUrls(text, (rest) =>
    inertMentions(
      escapeMarkdown(rest, { heading: true, bulletedList: true, numberedList: true, maskedLink: false }).replace(/^(\s*)(>|-#)/gm, '$1\\$2'),
    ),
  );
}

/**
 * Text the model wrote: bold, italics, lists and code stay (code verbatim: Discord shows it inert); masked
 * links, URLs, headings, subtext, spoilers, mentions and timestamps are made inert.
 */
export function escapeAnswer(text: string): string {
  return text
    .split(/(```[\s\S]*?```|`[^`\n]+`)/)
    .map((part, i) => (i % 2 === 1 ? part : withInertUrls(part, (prose) => inertMentions(prose.replace(/^(\s*)(-?#{1,3}\s)/gm, '$1\\$2').replace(/\|\|/g, '\\|\\|')))))
    .join('');
}

/** A URL paperbot did not build: visible and copyable, but neither a link nor a preview. */
function inertUrl(url: string): string {
  return `\`${url.replace(/`/g, '')}\``;
}

/** `escape` applied to the text around its URLs, which become code spans; masked links first become "text (url)". */
function withInertUrls(text: string, escape: (text: string) => string): string {
  const urls: string[] = [];
  const unmasked = text.replace(MASKED_LINK, (_match, label: string, url: string) => unmask(label, url));
  const holed = unmasked.replace(URL_IN_TEXT, (url) => {
    const end = urlEnd(url);
    urls.push(url.slice(0, end));
    return `\uE010${urls.length - 1}\uE011${url.slice(end)}`;
  });
  return escape(holed).replace(HOLE, (_hole, i: string) => inertUrl(urls[Number(i)] ?? ''));
}

/** A masked link as plain text; a citation number as its label stays a citation, `[2]`. */
function unmask(label: string, url: string): string {
  const text = /^\s*\d+\s*$/.test(label) ? `[${label.trim()}]` : label;
  if (label.trim() === '') return url;
  return url === '' ? text : `${text} (${url})`;
}

/** Sentence punctuation after a URL belongs to the sentence, and so does a ")" the URL did not open. */
function urlEnd(url: string): number {
  let end = url.length;
  for (;;) {
    const last = url[end - 1] ?? '';
    const unbalanced = last === ')' && count(url.slice(0, end), '(') < count(url.slice(0, end), ')');
    if (!/[.,;:!?'"»”’]/.test(last) && !unbalanced) return end;
    end -= 1;
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function inertMentions(text: string): string {
  return text.replace(/@(everyone|here)\b/g, '@\u200b$1').replace(/<(?=[@#]|a?:\w+:\d|t:-?\d|\/\w)/g, '\\<');
}
