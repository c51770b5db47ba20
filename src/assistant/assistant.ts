/**
 * The assistant every front end talks to (the terminal and the Discord bot): ask a question, look a paper
 * up, find similar papers, describe the index, gather the digest's candidates. It ties the core (retrieval,
 * answering) to the open index, the embedder and the language model; front ends stay thin and never touch
 * the stores themselves.
 */
import type { Config } from '../config.ts';
import type { Awaitable } from '../core/awaitable.ts';
import type { Paper } from '../core/corpus/paper.ts';
import { answerQuestion, streamAnswer, type AnswerEvent, type AnswerResult } from '../core/answering/answer-question.ts';
import type { ChatMessage, ChatModel } from '../core/answering/chat-model.ts';
import type { Embedder } from '../core/retrieval/embedder.ts';
import { coverage, retrieve, type Retrieval, type RetrievalOptions } from '../core/retrieval/hybrid-search.ts';
import type { StoredPaper } from '../core/retrieval/paper-store.ts';
import type { GateThresholdOptions } from '../core/retrieval/relevance-gate.ts';
import { wordTokens } from '../core/text.ts';
import { paperCentroid, similarPapers, type SimilarPaper } from '../core/retrieval/similar-papers.ts';
import type { Logger } from '../core/logger.ts';
import type { IndexHandle, OpenIndex } from '../indexing/open-index.ts';
import { describeEmbeddings } from '../indexing/manifest.ts';

export type { SimilarPaper } from '../core/retrieval/similar-papers.ts';

export interface AskOptions {
  history?: readonly ChatMessage[];
  retrievalQuery?: string;
  signal?: AbortSignal;
  /** A question about this paper ("Ask about this paper"): its passages come first, then the question's other passages. */
  paperFirst?: string;
}

/** Per-call retrieval settings; each one left out is the configured value. */
export type RetrievalOverrides = Partial<RetrievalOptions>;

/** What a lookup found, and whether it was by the abstracts' words because no title, name, author or id matched. */
export interface PaperLookup {
  papers: Paper[];
  byContent: boolean;
}

export interface About {
  papers: number;
  passages: number;
  embeddings: string;
  retrieval: 'hybrid' | 'lexical';
  lexicalReason: string | null;
  builtAt: string;
  llm: string | null;
}

export interface AssistantOptions {
  config: Pick<Config, 'retrieval'>;
  index: IndexHandle;
  embedder: Embedder | null;
  chatModel?: ChatModel | undefined;
  logger: Logger;
}

export class Assistant {
  constructor(private readonly options: AssistantOptions) {}

  /** Warnings a front end should show once at start (e.g. lexical-only retrieval). */
  async startupNotes(): Promise<string[]> {
    const reason = (await this.options.index.current()).lexicalReason;
    return reason === null ? [] : [`Retrieval is lexical only: ${reason}.`];
  }

  /**
   * The passages `question` would be answered from. `overrides` replace the configured retrieval for this
   * call only (the evaluation ranks with the gate off and a deeper cut on the same index).
   */
  async retrieve(question: string, overrides: RetrievalOverrides = {}): Promise<Retrieval> {
    return this.retrieveIn(await this.options.index.current(), question, overrides);
  }

  /** `retrieve` against one given build, for callers that read it more than once and must see the same one. */
  private retrieveIn(open: Pick<OpenIndex, 'store' | 'vectors'>, question: string, overrides: RetrievalOverrides): Promise<Retrieval> {
    const r = this.options.config.retrieval;
    return retrieve(
      question,
      { store: open.store, vectors: open.vectors ?? undefined, embedder: open.vectors === null ? undefined : (this.options.embedder ?? undefined) },
      { topK: r.topK, maxPassagesPerPaper: r.maxPassagesPerPaper, ...gateSettings(r), ...overrides },
    );
  }

  ask(question: string, { paperFirst, ...options }: AskOptions = {}): Promise<AnswerResult> {
    return answerQuestion(question, this.answerDeps(paperFirst), this.answerOptions(options));
  }

  stream(question: string, { paperFirst, ...options }: AskOptions = {}): AsyncGenerator<AnswerEvent> {
    return streamAnswer(question, this.answerDeps(paperFirst), this.answerOptions(options));
  }

  /**
   * Papers matching what was typed so far (title, label, method acronyms, authors, id), best first; nothing
   * typed yet lists the first papers. Typed characters that hold no word (`"`, `*`) match no paper: the
   * store would read them as nothing typed and offer the first paper as if it matched.
   */
  async findPapers(query: string, limit: number = 25): Promise<Paper[]> {
    if (query.trim() !== '' && !hasWord(query)) return [];
    return (await this.options.index.current()).store.findPapers(query, limit);
  }

  /** A paper by exact id, else the best match of `query`; none for a query without a word. */
  async resolvePaper(query: string): Promise<Paper | undefined> {
    const { store } = await this.options.index.current();
    const exact = await store.getPaper(query.trim());
    if (exact !== undefined || !hasWord(query)) return exact;
    return (await store.findPapers(query, 1))[0];
  }

  /**
   * `findPapers`, and when no title, label, method name, author or id matches, the papers whose abstracts
   * do: "pruning" or "label noise" name a topic, not a paper. The abstracts are searched lexically and
   * through the relevance gate, so a lookup of words no abstract is about still finds nothing.
   */
  async lookupPapers(query: string, limit: number = 25): Promise<PaperLookup> {
    const byMetadata = await this.findPapers(query, limit);
    if (byMetadata.length > 0 || !hasWord(query)) return { papers: byMetadata, byContent: false };
    const found = await this.retrieve(query, { mode: 'lexical', topK: limit, candidates: Math.max(20, limit * 2), maxPassagesPerPaper: 1 });
    return { papers: found.passages.map((p) => p.paper), byContent: found.passages.length > 0 };
  }

  /**
   * `resolvePaper`, falling back to the best paper by content like `lookupPapers`; `others` are the next
   * papers found by content (a topic usually has several), empty for a match by title, name, author or id.
   */
  async lookupPaper(query: string, others: number = 4): Promise<{ paper: Paper; byContent: boolean; others: Paper[] } | undefined> {
    const exact = await this.resolvePaper(query);
    if (exact !== undefined) return { paper: exact, byContent: false, others: [] };
    const { papers: [best, ...rest], byContent } = await this.lookupPapers(query, others + 1);
    return best === undefined ? undefined : { paper: best, byContent, others: rest };
  }

  /** The k nearest papers to `paperId` (never itself): by vectors when there are any, else by its distinctive words. */
  async similar(paperId: string, k: number = 5): Promise<SimilarPaper[]> {
    const { store, vectors } = await this.options.index.current();
    return similarPapers(paperId, k, { store, vectors });
  }

  /** The configured language model's name, or null (extractive answers): known without asking the index. */
  get llmModel(): string | null {
    return this.options.chatModel?.model ?? null;
  }

  async about(): Promise<About> {
    const open = await this.options.index.current();
    const { manifest } = open;
    return {
      papers: manifest.counts.papers,
      passages: manifest.counts.passages,
      embeddings: describeEmbeddings(manifest.embeddings),
      retrieval: open.vectors !== null && this.options.embedder !== null ? 'hybrid' : 'lexical',
      lexicalReason: open.lexicalReason,
      builtAt: manifest.builtAt,
      llm: this.llmModel,
    };
  }

  close(): Promise<void> {
    return this.options.index.close();
  }

  private answerDeps(paperFirst?: string) {
    const retrieve = paperFirst === undefined ? (q: string) => this.retrieve(q) : (q: string) => this.retrieveAbout(q, paperFirst);
    return { retrieve, chatModel: this.options.chatModel, logger: this.options.logger };
  }

  /**
   * Retrieval for a question about one paper: all of the paper's passages first (a question such as "what is
   * its main result?" names nothing the gate could match, but the person chose the paper), then the
   * question's own passages from other papers, topK in all. An unknown paper: the ordinary retrieval.
   */
  private async retrieveAbout(question: string, paperId: string): Promise<Retrieval> {
    const open = await this.options.index.current();
    const found = await this.retrieveIn(open, question, {});
    const { store } = open;
    const paper = await store.getPaper(paperId);
    const own = paper === undefined ? [] : await store.getPassages(await store.passageIdsOf(paperId));
    if (paper === undefined || own.length === 0) return found;
    const retrieved = new Map(found.passages.filter((p) => p.paper.id === paperId).map((p) => [p.passage.id, p]));
    const first = own.map((passage) => retrieved.get(passage.id) ?? { passage, paper, score: 0, similarity: null, bm25: null, coverage: 0 });
    const others = found.passages.filter((p) => p.paper.id !== paperId);
    const passages = [...first, ...others].slice(0, Math.max(this.options.config.retrieval.topK, first.length));
    return { ...found, passages, gate: { ...found.gate, passed: true, reason: `asked about paper ${paperId}: its passages come first` } };
  }

  private answerOptions(options: AskOptions) {
    const { maxQuestionLength, maxAnswerChars } = this.options.config.retrieval;
    return { maxQuestionLength, maxAnswerChars, ...options };
  }

  /**
   * What the daily digest picks from (`pickDigest` in src/core/digest/pick-papers.ts): every paper in corpus
   * order with the time it entered the index; when the index has vectors, one embedding per paper (the
   * normalized centroid of its passages, read lazily so a large corpus is not loaded whole); and for a topic,
   * the fused retrieval score of each paper that passes the relevance gate. Pick right away: the lookups
   * read the build that is current now.
   */
  async digestCandidates(topic?: string | null): Promise<DigestCandidates> {
    const { store, vectors } = await this.options.index.current();
    // No cache here: the digest's pickDigestLazily keeps what it read, asking for each paper once.
    const embeddings = vectors === null ? undefined : (paperId: string) => paperCentroid(paperId, { store, vectors });
    let relevance: Map<string, number> | undefined;
    let topicMatch: ((paperId: string) => Awaitable<number | undefined>) | undefined;
    const query = topic?.trim();
    if (query) {
      // Wider than a question's retrieval: a topic should rank many papers, one passage each.
      const found = await this.retrieveIn({ store, vectors }, query, { topK: 100, candidates: 100, maxPassagesPerPaper: 1 });
      relevance = new Map(found.passages.map((p) => [p.paper.id, p.score]));
      // Absolute, unlike the fused score: the share of the topic's (IDF-weighted) words the paper has. A paper
      // beyond the retrieved 100 (a day's flood) is measured when the picker asks, and it asks for new ones only.
      const measured: ReadonlyMap<string, number> = new Map(found.passages.map((p) => [p.paper.id, p.coverage]));
      topicMatch = async (paperId) => {
        const known = measured.get(paperId);
        if (known !== undefined) return known;
        const ids = await store.passageIdsOf(paperId);
        const matched = ids.length === 0 ? new Map<number, Set<string>>() : await store.matchedTerms(found.terms, ids);
        return Math.max(0, ...ids.map((id) => coverage(found.terms, matched.get(id) ?? new Set(), found.idf)));
      };
    }
    return { papers: await store.allPapers(), embeddings, relevance, topicMatch };
  }
}

/** The gate's configured thresholds, as retrieval takes them. */
function gateSettings(r: Config['retrieval']): GateThresholdOptions {
  const { gateMinCoverage, gateMinSimilarity, gateMinSpecificCoverage, gateMinTermsTogether, gateVetoMinPassages } = r;
  return { gateMinCoverage, gateMinSimilarity, gateMinSpecificCoverage, gateMinTermsTogether, gateVetoMinPassages };
}

/** Whether `query` holds a word a lookup can match (letters or digits in any script). */
function hasWord(query: string): boolean {
  return wordTokens(query).length > 0;
}

export interface DigestCandidates {
  papers: StoredPaper[];
  /** Per-paper vectors for MMR; undefined when the index has none (the digest then compares words). */
  embeddings: ((paperId: string) => Awaitable<number[] | undefined>) | undefined;
  /** Topic relevance by paper id (only papers that pass the gate); undefined without a topic. */
  relevance: Map<string, number> | undefined;
  /** Each of those papers' topic match, 0..1 (retrieval's coverage), for the digest's floor on new papers. */
  topicMatch: ((paperId: string) => Awaitable<number | undefined>) | undefined;
}
