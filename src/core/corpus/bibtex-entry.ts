/**
 * Citations built from paperbot's own metadata only: a BibTeX entry (for `/cite`, the Cite and BibTeX
 * buttons) and a one-line plain reference. A field the corpus does not give is left out, never guessed:
 * every entry is `@misc`, since whether a venue is a conference or a journal is not in the metadata, with
 * the venue as `howpublished`; arXiv papers get `eprint`, `archivePrefix` and, when the source said, `primaryClass`;
 * DOI papers `doi`. Pure.
 */
import type { Paper } from './paper.ts';

/** `primaryCategory` is the arXiv category the paper was filed under, when its source said (arXiv's API does, its RSS feed does not). */
export type CitedPaper = Pick<Paper, 'id' | 'label' | 'title' | 'authors' | 'year' | 'venue' | 'url' | 'doi' | 'arxivId' | 'primaryCategory'>;

/** Title words a key never starts with: "Towards Meta-Pruning …" is keyed by "metapruning". */
const MINOR_WORDS = new Set(
  'a an the on of for in to via with and or towards toward using from by at as is are be how what why when do does can into over under beyond through without'.split(' '),
);

/** BibTeX's special characters, escaped so that LaTeX prints them as typed. */
const ESCAPES: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

export function escapeBibtex(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/[\\{}&%$#_~^]/g, (c) => ESCAPES[c] ?? c);
}

/** A title with its acronyms and mixed-case names braced ({VaSSO}, {SAM}) so bibliography styles keep their case. */
function bibtexTitle(title: string): string {
  return escapeBibtex(title)
    .split(' ')
    .map((word) => (!/[\\{}]/.test(word) && word.split('-').some((part) => /[A-Z]/.test(part.slice(1))) ? `{${word}}` : word))
    .join(' ');
}

/** ASCII letters and digits only, lower case: "Hernández-Lobato" → "hernandezlobato". */
function keyPart(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** The family name: before the comma of "Last, First", else the last word. */
export function familyName(author: string): string {
  const name = author.replace(/\s+/g, ' ').trim();
  if (name.includes(',')) return name.slice(0, name.indexOf(',')).trim();
  return name.split(' ').pop() ?? '';
}

/** First author's family name + year + first significant title word, e.g. `li2023enhancing`; parts not known are left out. */
export function baseKey(paper: CitedPaper): string {
  const author = paper.authors[0] === undefined ? '' : keyPart(familyName(paper.authors[0]));
  const year = paper.year === null ? '' : String(paper.year);
  const word = (paper.title ?? '').split(/\s+/).map((w) => ({ w, key: keyPart(w) })).find(({ w, key }) => key !== '' && !MINOR_WORDS.has(w.toLowerCase()));
  const key = `${author}${year}${word?.key ?? ''}`;
  // Neither author, year nor title: the paper's own id, which is unique in the corpus.
  return key !== '' ? key : keyPart(paper.id) || 'paper';
}

/** `key`, or `key` + a, b, … z, aa, … when `used` has it already; the result is added to `used`. */
export function uniqueKey(key: string, used: Set<string>): string {
  let candidate = key;
  for (let n = 0; used.has(candidate); n += 1) candidate = `${key}${suffix(n)}`;
  used.add(candidate);
  return candidate;
}

function suffix(n: number): string {
  const letter = String.fromCharCode(97 + (n % 26));
  return n < 26 ? letter : `${suffix(Math.floor(n / 26) - 1)}${letter}`;
}

/** A URL or DOI inside braces: whitespace removed, braces percent-encoded (they would end the field). */
function verbatim(text: string): string {
  return text.replace(/\s+/g, '').replace(/\{/g, '%7B').replace(/\}/g, '%7D');
}

/** One BibTeX entry; `used` (shared across a list of entries) keeps the keys unique. */
export function bibtexEntry(paper: CitedPaper, used: Set<string> = new Set()): { key: string; text: string } {
  const key = uniqueKey(baseKey(paper), used);
  const fields: Array<[string, string]> = [];
  const authors = paper.authors.map((a) => escapeBibtex(a)).filter((a) => a !== '');
  // "and" inside one name would split it in two: such a name (an organisation) is braced whole.
  if (authors.length > 0) fields.push(['author', authors.map((a) => (/\band\b/i.test(a) ? `{${a}}` : a)).join(' and ')]);
  if (paper.title !== null && paper.title.trim() !== '') fields.push(['title', bibtexTitle(paper.title)]);
  if (paper.year !== null) fields.push(['year', String(paper.year)]);
  if (paper.venue !== null && paper.venue.trim() !== '') fields.push(['howpublished', escapeBibtex(paper.venue)]);
  if (paper.doi !== null && paper.doi.trim() !== '') fields.push(['doi', verbatim(paper.doi)]);
  if (paper.arxivId !== null && paper.arxivId.trim() !== '') {
    fields.push(['eprint', verbatim(paper.arxivId)], ['archivePrefix', 'arXiv']);
    if (paper.primaryCategory !== null) fields.push(['primaryClass', verbatim(paper.primaryCategory)]);
  }
  if (paper.url !== null && /^https?:\/\//i.test(paper.url)) fields.push(['url', verbatim(paper.url)]);
  const body = fields.map(([name, value]) => `  ${name} = {${value}}`).join(',\n');
  return { key, text: fields.length === 0 ? `@misc{${key}}` : `@misc{${key},\n${body}\n}` };
}

/** The entries of several papers, keys unique among them, separated by blank lines. */
export function bibtexEntries(papers: readonly CitedPaper[]): string {
  const used = new Set<string>();
  return papers.map((p) => bibtexEntry(p, used).text).join('\n\n');
}

/**
 * One plain reference line: `Authors (Year). Title. Venue. doi:… · arXiv:… · URL`. Without a title the
 * paper's label is given as such, marked untitled, since the label is ours, not the paper's.
 */
export function referenceLine(paper: CitedPaper): string {
  const clean = (text: string): string => text.replace(/\s+/g, ' ').trim();
  const authors = paper.authors.map(clean).filter((a) => a !== '');
  const parts: string[] = [];
  const head = [authors.join(', '), paper.year === null ? '' : `(${paper.year})`].filter((p) => p !== '').join(' ');
  if (head !== '') parts.push(`${head}.`);
  parts.push(paper.title !== null && paper.title.trim() !== '' ? `${clean(paper.title).replace(/[.]$/, '')}.` : `Untitled (labelled “${clean(paper.label)}” by paperbot).`);
  if (paper.venue !== null && paper.venue.trim() !== '') parts.push(`${clean(paper.venue)}.`);
  const links = [
    paper.doi === null ? null : `https://doi.org/${verbatim(paper.doi)}`,
    paper.arxivId === null ? null : `arXiv:${verbatim(paper.arxivId)}`,
    paper.url !== null && /^https?:\/\//i.test(paper.url) && !(paper.doi !== null && paper.url.includes(paper.doi)) ? verbatim(paper.url) : null,
  ].filter((l): l is string => l !== null);
  if (links.length > 0) parts.push(links.join(' · '));
  return parts.join(' ');
}
