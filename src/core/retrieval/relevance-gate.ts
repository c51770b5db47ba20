/**
 * The relevance gate: does the corpus cover this question at all? Word coverage of the best passage alone
 * cannot both pass paraphrases in a corpus of 11 papers and refuse "What causes the seasons on Earth?" in
 * one of 5,000 (a passage that happens to say "causes" and "earth" covers it well), so the gate combines
 * signals measured with `npm run eval -- --details --sweep` (README, "Evaluation and benchmarks"):
 *
 * - coverage: the IDF-weighted share of the question's terms found in one passage;
 * - specific matches: how many of the question's terms one passage shares that are rare in the corpus
 *   (a paraphrase still shares a word or two such as "neurons" or "camera" with its paper), unless most
 *   of the question's words are unknown to the corpus ("medieval tapestry restoration");
 * - unseen share: the question's terms no passage contains at all;
 * - missing rare share: the question's terms that are rare in the corpus and absent from its best passage
 *   ("sistine", "mortgage", "yolk": what the question is about, and the corpus barely knows it);
 * - terms together: how many of the question's terms its best passage holds (in 5,000 abstracts one or
 *   two shared words happen by chance: "java", "players" and "team");
 * - proximity: the fewest consecutive words of the best passage that hold three of the question's terms
 *   (two when it shares only two), since words of one topic sit together and chance matches scatter; measured
 *   and reported, and a veto (`gateMaxSpan`) that is off by default, because on the shipped questions
 *   paraphrases scatter as much as chance matches do (README, "Evaluation");
 * - the best BM25 score against the other candidates', and the best dense similarity in standard
 *   deviations above the question's own candidates (reported; not used until measured with a real model).
 *
 * The three vetoes (unseen, missing rare, terms together) need a vocabulary: in 11 abstracts most English words are unseen,
 * so they apply only to corpora of at least `vocabularyMinPassages` passages.
 */
import { wordTokens } from '../text.ts';

export interface GatePassage {
  /** IDF-weighted share of the question's terms this passage contains (0..1). */
  coverage: number;
  similarity: number | null;
  /** Question terms this passage contains that are specific in the corpus (see `specificMaxDf`). */
  specificMatches?: number;
}

/** What the gate knows about the question as a whole, beyond its passages. */
export interface QuestionEvidence {
  /** Passages in the corpus. */
  corpusPassages: number;
  /** Share of the question's terms no passage contains (0..1). */
  unseenShare: number;
  /** Share of the question's terms that are rare in the corpus and missing from the best-covering passage (0..1). */
  missingRareShare: number;
  /** The question's content terms, and how many of them the best-covering passage holds. */
  terms: number;
  bestMatchedTerms: number;
  /** Best BM25 over the mean of the other lexical candidates; null with fewer than two. */
  bm25Standout: number | null;
  /** Best dense similarity, in standard deviations above the mean of the dense candidates; null without dense. */
  similarityZ: number | null;
  /** Words in the shortest stretch of the best-covering passage holding up to 3 of its matched terms; null below 2 (see `shortestSpan`). */
  bestSpan?: number | null;
}

export interface GateThresholdOptions {
  /** Minimum IDF-weighted share of the question's terms found in the best passage. */
  gateMinCoverage: number;
  /** Minimum cosine similarity of the best dense hit; undefined: dense similarity alone never passes the gate. */
  gateMinSimilarity: number | undefined;
  /** A passage sharing a specific term passes with this much coverage; default DEFAULT_GATE. */
  gateMinSpecificCoverage?: number;
  /** In a large corpus, refuse when at least this share of the question's terms occurs nowhere; default DEFAULT_GATE. */
  gateMaxUnseenShare?: number;
  /** In a large corpus, refuse when at least this share of the question's terms is rare and not in its best passage. */
  gateMaxMissingRareShare?: number;
  /** A specific term is no evidence when at least this share of the question's words is unseen; default DEFAULT_GATE. */
  gateSpecificMaxUnseenShare?: number;
  /** In a large corpus, the best passage must hold this many of the question's terms (fewer for short questions); default DEFAULT_GATE. */
  gateMinTermsTogether?: number;
  /** Refuse when the best passage's matched terms spread over more words than this (`shortestSpan`); default off (Infinity). */
  gateMaxSpan?: number;
  /** The unseen, missing-rare and terms-together vetoes apply from this many passages; default DEFAULT_GATE. */
  gateVetoMinPassages?: number;
  /** false: no veto applies (ranking with the gate off); default true. */
  gateVetoes?: boolean;
}

/**
 * Measured on the shipped questions with 11 papers and with 5,000 real distractors (README): no answerable
 * question has more than 0.10 of its terms unseen or 0.25 rare-and-missing with 5,000 distractors; the
 * off-topic ones mostly have 0.17 or more, and 0.33 or more.
 */
export const DEFAULT_GATE = {
  gateMinSpecificCoverage: 0.05,
  /** A specific term in common is no evidence when at least this share of the question's words is unseen. */
  gateSpecificMaxUnseenShare: 0.6,
  gateMaxUnseenShare: 0.15,
  gateMaxMissingRareShare: 0.3,
  /** Below this many passages, absent words say nothing about the topic (the vetoes are off). */
  vocabularyMinPassages: 1000,
  /** In a large corpus the best passage holds at least this many of the question's terms, or this share of a shorter question's. */
  gateMinTermsTogether: 3,
  minShareTogether: 0.6,
  /** A term in at most this share of the passages is rare (for the missing-rare veto). */
  rareShare: 0.005,
  /** The proximity veto is off: measured, it refuses paraphrases before it refuses chance matches. */
  gateMaxSpan: Infinity,
} as const;

/** Thresholds under which every retrieved passage passes: for ranking papers with the gate off (evaluation). */
export const GATE_OFF = { gateMinCoverage: 0, gateMinSimilarity: undefined, gateVetoes: false } as const;

/** A term in at most this many passages is specific: 2 in a tiny corpus, 1% of a large one. */
export function specificMaxDf(corpusPassages: number): number {
  return Math.max(2, Math.ceil(corpusPassages * 0.01));
}

export interface GateDecision {
  passed: boolean;
  bestCoverage: number;
  bestSimilarity: number | null;
  /** Most specific terms one passage shares with the question (absent in decisions made elsewhere, e.g. tests' fakes). */
  specificMatches?: number;
  /** The question-level signals the decision used (absent when the caller gave none). */
  question?: QuestionEvidence;
  /** One sentence on why, for logs and evaluation. */
  reason: string;
}

/** The question-level signals, from its terms' document frequencies and the candidates' scores. */
export function questionEvidence({
  terms,
  documentFrequencies,
  corpusPassages,
  bestMatched,
  lexicalScores,
  denseSimilarities,
  bestText = null,
}: {
  terms: readonly string[];
  documentFrequencies: ReadonlyMap<string, number>;
  corpusPassages: number;
  /** The terms of the passage with the best coverage. */
  bestMatched: ReadonlySet<string>;
  lexicalScores: readonly number[];
  denseSimilarities: readonly number[];
  /** The text of the passage with the best coverage, for the proximity of its matched terms. */
  bestText?: string | null;
}): QuestionEvidence {
  const n = Math.max(1, terms.length);
  const df = (t: string) => documentFrequencies.get(t) ?? 0;
  const rareLimit = corpusPassages * DEFAULT_GATE.rareShare;
  const unseen = terms.filter((t) => df(t) === 0).length;
  const missingRare = terms.filter((t) => df(t) <= rareLimit && !bestMatched.has(t)).length;
  return {
    corpusPassages,
    unseenShare: terms.length === 0 ? 0 : unseen / n,
    missingRareShare: terms.length === 0 ? 0 : missingRare / n,
    terms: terms.length,
    bestMatchedTerms: terms.filter((t) => bestMatched.has(t)).length,
    bm25Standout: standout(lexicalScores),
    similarityZ: zScore(denseSimilarities),
    bestSpan: bestText === null ? null : shortestSpan(bestText, bestMatched),
  };
}

/**
 * The fewest consecutive words of `text` that hold min(3, found) distinct `terms` (null when fewer than
 * two occur). Words are compared without their common English endings, as the lexical index compares stems.
 */
export function shortestSpan(text: string, terms: ReadonlySet<string>): number | null {
  const targets = new Map([...terms].map((t) => [stemKey(t), t]));
  const hits = wordTokens(text).flatMap((w, position) => (targets.has(stemKey(w)) ? [{ position, key: stemKey(w) }] : []));
  const need = Math.min(3, new Set(hits.map((h) => h.key)).size);
  if (need < 2) return null;
  const inWindow = new Map<string, number>();
  let best = Infinity;
  let left = 0;
  for (const hit of hits) {
    inWindow.set(hit.key, (inWindow.get(hit.key) ?? 0) + 1);
    while (inWindow.size >= need) {
      const first = hits[left] as (typeof hits)[number];
      best = Math.min(best, hit.position - first.position + 1);
      const n = (inWindow.get(first.key) ?? 1) - 1;
      if (n === 0) inWindow.delete(first.key);
      else inWindow.set(first.key, n);
      left += 1;
    }
  }
  return best;
}

/**
 * A word as the first step of porter stemming leaves it, and without a final "e", so that a word and its
 * inflections meet ("removing", "removes", "remove" → "remov"; "processing", "process" → "process").
 */
function stemKey(word: string): string {
  let w = word;
  if (/sses$|ies$/u.test(w)) w = w.slice(0, -2);
  else if (/[^s]s$/u.test(w)) w = w.slice(0, -1);
  const inflected = /^(.*[aeiouy].*?)(?:ing|ed)$/u.exec(w)?.[1];
  if (inflected !== undefined && inflected.length >= 3) w = /([^aeiouylsz])\1$/u.test(inflected) ? inflected.slice(0, -1) : inflected;
  return w.replace(/e$/u, '');
}

function standout(scores: readonly number[]): number | null {
  const [best, ...rest] = scores;
  if (best === undefined || rest.length === 0) return null;
  const mean = rest.reduce((s, x) => s + x, 0) / rest.length;
  return mean > 0 ? best / mean : null;
}

function zScore(values: readonly number[]): number | null {
  if (values.length < 3) return null;
  const best = Math.max(...values);
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length);
  return sd === 0 ? null : (best - mean) / sd;
}

export function decideGate(passages: readonly GatePassage[], options: GateThresholdOptions, question?: QuestionEvidence): GateDecision {
  const bestCoverage = Math.max(0, ...passages.map((p) => p.coverage));
  const similarities = passages.map((p) => p.similarity).filter((s): s is number => s !== null);
  const bestSimilarity = similarities.length > 0 ? Math.max(...similarities) : null;
  const specificMatches = Math.max(0, ...passages.map((p) => p.specificMatches ?? 0));
  const base = { bestCoverage, bestSimilarity, specificMatches, ...(question === undefined ? {} : { question }) };
  const refuse = (reason: string): GateDecision => ({ passed: false, ...base, reason });
  const pass = (reason: string): GateDecision => ({ passed: true, ...base, reason });
  const maxUnseen = options.gateMaxUnseenShare ?? DEFAULT_GATE.gateMaxUnseenShare;
  const maxMissingRare = options.gateMaxMissingRareShare ?? DEFAULT_GATE.gateMaxMissingRareShare;
  const minSpecific = options.gateMinSpecificCoverage ?? DEFAULT_GATE.gateMinSpecificCoverage;
  const maxSpan = options.gateMaxSpan ?? DEFAULT_GATE.gateMaxSpan;

  if (passages.length === 0) return refuse('no passage matched the question');
  if (question?.bestSpan != null && options.gateVetoes !== false && question.bestSpan > maxSpan) {
    return refuse(`the best passage's words in common with the question spread over ${question.bestSpan} words (limit ${maxSpan})`);
  }
  if (question !== undefined && options.gateVetoes !== false && question.corpusPassages >= (options.gateVetoMinPassages ?? DEFAULT_GATE.vocabularyMinPassages)) {
    if (question.unseenShare >= maxUnseen) return refuse(`${share(question.unseenShare)} of the question's words occur nowhere in the corpus (limit ${share(maxUnseen)})`);
    if (question.missingRareShare >= maxMissingRare) {
      return refuse(`${share(question.missingRareShare)} of the question's words are rare in the corpus and missing from its best passage (limit ${share(maxMissingRare)})`);
    }
    const together = requiredTogether(question.terms, options.gateMinTermsTogether);
    if (question.bestMatchedTerms < together) {
      return refuse(`its best passage holds ${question.bestMatchedTerms} of the question's ${question.terms} words, fewer than ${together}`);
    }
  }
  if (bestCoverage >= options.gateMinCoverage) return pass(`coverage ${bestCoverage.toFixed(2)} ≥ ${options.gateMinCoverage}`);
  const specificMaxUnseen = options.gateSpecificMaxUnseenShare ?? DEFAULT_GATE.gateSpecificMaxUnseenShare;
  if (specificMatches > 0 && bestCoverage >= minSpecific && (question?.unseenShare ?? 0) < specificMaxUnseen) {
    return pass(`coverage ${bestCoverage.toFixed(2)} ≥ ${minSpecific} with ${specificMatches} specific term${specificMatches === 1 ? '' : 's'} matched`);
  }
  if (options.gateMinSimilarity !== undefined && bestSimilarity !== null && bestSimilarity >= options.gateMinSimilarity) {
    return pass(`similarity ${bestSimilarity.toFixed(2)} ≥ ${options.gateMinSimilarity}`);
  }
  return refuse(
    `coverage ${bestCoverage.toFixed(2)} < ${options.gateMinCoverage}${specificMatches === 0 ? ', no specific term matched' : ''}${bestSimilarity === null ? '' : `, similarity ${bestSimilarity.toFixed(2)} below the gate`}`,
  );
}

/** Terms the best passage must hold together in a large corpus: 3, or 60% of a question of fewer than 5 terms. */
export function requiredTogether(terms: number, atMost: number = DEFAULT_GATE.gateMinTermsTogether): number {
  return Math.min(atMost, Math.ceil(terms * DEFAULT_GATE.minShareTogether));
}

function share(x: number): string {
  return `${Math.round(x * 100)}%`;
}
