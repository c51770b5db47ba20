/**
 * The XML side of arXiv's two formats, shared by the RSS and Atom readers: one fast-xml-parser set-up
 * (attributes kept, values left as text so `2203.01250` stays a string, repeated elements always arrays)
 * and a validation first, so a truncated or broken answer is one sentence naming its line instead of a
 * half-read feed.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { UserError } from '../../core/errors.ts';

const REPEATED = new Set(['item', 'entry', 'category', 'author', 'link', 'day']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  // Numeric character references (&#39;) appear in titles and abstracts; the XML defaults decode only the five named ones.
  htmlEntities: true,
  trimValues: true,
  isArray: (name) => REPEATED.has(name),
});

export type XmlNode = Record<string, unknown>;

/** Parses `xml` from `what` (e.g. "arXiv's RSS feed"); broken XML is a UserError naming the line. */
export function parseXml(xml: string, what: string): XmlNode {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new UserError('E_ARXIV_FORMAT', `${what} is not valid XML (line ${valid.err.line}: ${valid.err.msg}); nothing was written.`);
  }
  return parser.parse(xml) as XmlNode;
}

/** The text of an element (a plain string, or `#text` when it has attributes), whitespace collapsed. */
export function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number') {
    const collapsed = String(value).replace(/\s+/g, ' ').trim();
    return collapsed === '' ? null : collapsed;
  }
  if (typeof value === 'object' && '#text' in value) return text((value as XmlNode)['#text']);
  return null;
}

export function node(value: unknown): XmlNode | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as XmlNode) : null;
}

export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** `2203.01250v3`, `arXiv:2203.01250`, `http://arxiv.org/abs/hep-ex/0307015v1` → the id without version. */
export function arxivIdOf(raw: string): { id: string; version: number | null } | null {
  const match = /(?:^|\/|arxiv:)((?:\d{4}\.\d{4,5})|(?:[a-z-]+(?:\.[A-Z]{2})?\/\d{7}))(?:v(\d+))?$/i.exec(raw.trim().replace(/\.pdf$/i, ''));
  if (match === null || match[1] === undefined) return null;
  return { id: match[1], version: match[2] === undefined ? null : Number(match[2]) };
}

/** The year an arXiv id was first submitted: its YYMM prefix (new style `2203.…`, old style `hep-ex/0307…`). */
export function yearOfArxivId(id: string): number | null {
  const yy = /^(\d{2})\d{2}\./.exec(id)?.[1] ?? /\/(\d{2})\d{5}$/.exec(id)?.[1];
  if (yy === undefined) return null;
  const n = Number(yy);
  // Old-style ids start in 1991; new-style ones in 2007.
  return n >= 91 ? 1900 + n : 2000 + n;
}

export function absUrl(id: string): string {
  return `https://arxiv.org/abs/${id}`;
}
