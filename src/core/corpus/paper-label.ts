/**
 * Names for papers without a title. Metadata is never invented: the label is either a method name the
 * abstract itself introduces ("a novel approach named Intra-Fusion", "we propose AdvGAN", "Faster Meta
 * Update Strategy (FaMUS)") or the abstract's first words.
 */

const FIRST_WORDS = 8;
const LEAD_IN = String.raw`(?:a|an|the|our|this|novel|new|simple|general|efficient|effective|unified|yet|and|\s)*`;

/** Acronyms defined in the text: "tilted exponential (TEXP)", "(VaSSO)". */
export function definedAcronyms(text: string): string[] {
  const found = new Set<string>();
  // Lazy, so that a plural "(DNNs)" gives "DNN".
  for (const match of text.matchAll(/\(([A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*?)s?\)/g)) {
    const acronym = match[1];
    if (acronym !== undefined && acronym.length <= 12) found.add(acronym);
  }
  return [...found];
}

/** A method name the abstract introduces, or null. */
export function introducedMethod(text: string): string | null {
  // "named Intra-Fusion", "called ComiRec", "dubbed X", "termed X"
  const named = /\b(?:named|called|dubbed|termed|coined)\s+["'“]?([A-Z][\w-]*[\w])/.exec(text);
  if (named?.[1] !== undefined) return named[1];

  // "we propose AdvGAN", "introduces a novel DeepFoo": a mixed-case token right after the verb
  const verb = String.raw`\b(?:propose|proposes|introduce|introduces|present|presents)\s+`;
  const direct = new RegExp(`${verb}${LEAD_IN}([A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9-]*)\\b`).exec(text);
  if (direct?.[1] !== undefined) return direct[1];

  // "introduce a novel Faster Meta Update Strategy (FaMUS)": capitalized words whose initials spell the acronym
  const spelled = new RegExp(`${verb}${LEAD_IN}((?:[A-Z][\\w-]*\\s+){1,6})\\(([A-Z][A-Za-z0-9-]*)\\)`).exec(text);
  if (spelled?.[1] !== undefined && spelled[2] !== undefined) {
    const initials = spelled[1].trim().split(/\s+/).map((w) => w[0]).join('');
    const capitals = spelled[2].replace(/[^A-Z]/g, '');
    if (initials === capitals) return spelled[2];
  }
  return null;
}

export function firstWords(text: string, count: number = FIRST_WORDS): string {
  const words = text.trim().split(/\s+/);
  const head = words.slice(0, count).join(' ').replace(/[,;:.]+$/, '');
  return words.length > count ? `${head}…` : head;
}

export function paperLabel(fields: { title: string | null; abstract: string }): string {
  if (fields.title !== null && fields.title.trim() !== '') return fields.title.trim();
  return introducedMethod(fields.abstract) ?? firstWords(fields.abstract);
}
