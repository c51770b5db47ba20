/**
 * Citations as Discord messages: BibTeX entries in a code block with the same text as a `.bib` attachment
 * (the file is what a reference manager imports; the block is there to copy from), or plain reference lines.
 * Built from paperbot's own metadata (src/core/corpus/bibtex-entry.ts). Pure: papers in, message JSON out.
 */
import { bibtexEntries, bibtexEntry, referenceLine, type CitedPaper } from '../../core/corpus/bibtex-entry.ts';
import { LIMITS, truncate } from './limits.ts';
import type { OutgoingMessage } from './outgoing-message.ts';

export type CitationFormat = 'bibtex' | 'text';

export interface CitationFile {
  name: string;
  /** The .bib text, exactly as built (the code block may be cut; the file never is). */
  text: string;
}

export interface CitationMessage extends OutgoingMessage {
  files: CitationFile[];
}

const TOO_LONG = '-# The entries are longer than one Discord message: all of them are in the attached file.';

export function renderCitation(papers: readonly CitedPaper[], format: CitationFormat): CitationMessage {
  if (format === 'text') {
    return { content: truncate(papers.map((p) => (papers.length === 1 ? referenceLine(p) : `• ${referenceLine(p)}`)).join('\n'), LIMITS.content), components: [], files: [] };
  }
  const text = bibtexEntries(papers);
  const name = papers.length === 1 && papers[0] !== undefined ? `${bibtexEntry(papers[0]).key}.bib` : 'references.bib';
  // Three backticks in a title would end the block early; a zero-width space keeps them apart on screen only.
  const block = `\`\`\`bibtex\n${text.replace(/```/g, '``\u200b`')}\n\`\`\``;
  return { content: block.length <= LIMITS.content ? block : TOO_LONG, components: [], files: [{ name, text: `${text}\n` }] };
}
