/**
 * The assistant every front end talks to (terminal today, Discord next): ask a question, look a paper up,
 * find similar papers, describe the index. It ties the core (retrieval, answering) to the open index, the
 * embedder and the language model; front ends stay thin and never touch the stores themselves.
 */
import type { Config } from '../config.ts';
import type { Paper } from '../core/corpus/paper.ts';
import { answerQuestion, streamAnswer, type AnswerEvent, type AnswerResult } from '../core/answering/answer-question.ts';
import type { ChatMessage, ChatModel } from '../core/answering/chat-model.ts';
import type { Embedder } from '../core/retrieval/embedder.ts';
import { contentTerms } from '../core/text.ts';
import { retrieve, inverseDocumentFrequencies, type Retrieval, type RetrievalMode, type RetrievalOptions } from '../core/retrieval/hybrid-search.ts';
import type { Logger } from '../core/logger.ts';
import type { IndexHandle } from '../indexing/open-index.ts';
import type { StoredPaper } from '../core/retrieval/paper-store.ts';
import { describeEmbeddings } from '../indexing/manifest.ts';

export interface AskOptions {
  history?: readonly ChatMessage[];
  retrievalQuery?: string;
  signal?: AbortSignal;
}

/** Per-call retrieval settings; each one left out is the configured value. */
export type RetrievalOverrides = Partial<RetrievalOptions>;

export interface SimilarPaper {
  paper: Paper;
  /** Cosine similarity when vectors exist; null for lexical similarity. */
  similarity: number | null;
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
  startupNotes(): string[] {
    const reason = this.options.index.current().lexicalReason;
    return reason === null ? [] : [`Retrieval is lexical only: ${reason}.`];
  }

  /**
   * The passages `question` would be answered from. `options` overrides the configured retrieval for this
   * call only (the evaluation ranks with the gate off and a deeper cut on the same index).
   */
  async retrieve(question: string, options: RetrievalOverrides | RetrievalMode = {}): Promise<Retrieval> {
    const open = this.options.index.current();
    const r = this.options.config.retrieval;
    // A bare mode is the older form of `{ mode }`, kept until every caller passes options.
    const overrides = typeof options === 'string' ? { mode: options } : options;
    return retrieve(
      question,
      { store: open.store, vectors: open.vectors ?? undefined, embedder: open.vectors === null ? undefined : (this.options.embedder ?? undefined) },
      { topK: r.topK, maxPassagesPerPaper: r.maxPassagesPerPaper, gateMinCoverage: r.gateMinCoverage, gateMinSimilarity: r.gateMinSimilarity, ...overrides },
    );
  }

  ask(question: string, options: AskOptions = {}): Promise<AnswerResult> {
    return answerQuestion(question, this.answerDeps(), this.answerOptions(options));
  }

  stream(question: string, options: AskOptions = {}): AsyncGenerator<AnswerEvent> {
    return streamAnswer(question, this.answerDeps(), this.answerOptions(options));
  }

  /** Papers matching what was typed so far (title, label, method acronyms, authors, id), best first. */
  findPapers(query: string, limit: number = 25): Paper[] {
    return this.options.index.current().store.findPapers(query, limit);
  }

  /** A paper by exact id, else the best match of `query`. */
  resolvePaper(query: string): Paper | undefined {
    const store = this.options.index.current().store;
    return store.getPaper(query.trim()) ?? store.findPapers(query, 1)[0];
  }

  /** The k nearest papers to `paperId` (never itself): by vectors when there are any, else by its distinctive words. */
  similar(paperId: string, k: number = 5): SimilarPaper[] {
    const { store, vectors } = this.options.index.current();
    const paper = store.getPaper(paperId);
    if (paper === undefined) return [];
    const scores = new Map<string, number>();
    if (vectors !== null) {
      const own = store.passageIdsOf(paperId).map((id) => vectors.getVector(id)).filter((v): v is number[] => v !== undefined);
      if (own.length > 0) {
        const centroid = normalize(own.reduce((sum, v) => sum.map((x, i) => x + (v[i] ?? 0)), new Array<number>(vectors.dims).fill(0)));
        const hits = vectors.search(centroid, (k + 1) * 4);
        const passages = new Map(store.getPassages(hits.map((h) => h.label)).map((p) => [p.id, p.paperId]));
        for (const hit of hits) {
          const id = passages.get(hit.label);
          if (id === undefined || id === paperId || scores.has(id)) continue;
          scores.set(id, hit.similarity);
        }
        const papers = store.getPapers([...scores.keys()]);
        return [...scores.entries()].slice(0, k).flatMap(([id, similarity]) => {
          const p = papers.get(id);
          return p === undefined ? [] : [{ paper: p, similarity }];
        });
      }
    }
    // Lexical: the abstract's most distinctive words as a query.
    const terms = contentTerms(paper.abstract);
    const idf = inverseDocumentFrequencies(terms, store);
    const distinctive = [...idf.entries()].sort((a, b) => b[1] - a[1]).slice(0, 16).map(([t]) => t);
    const result: SimilarPaper[] = [];
    const seen = new Set<string>([paperId]);
    for (const hit of store.lexicalSearch(distinctive, (k + 1) * 4)) {
      if (seen.has(hit.paperId)) continue;
      seen.add(hit.paperId);
      const p = store.getPaper(hit.paperId);
      if (p !== undefined) result.push({ paper: p, similarity: null });
      if (result.length >= k) break;
    }
    return result;
  }

  about(): About {
    const open = this.options.index.current();
    const { manifest } = open;
    return {
      papers: manifest.counts.papers,
      passages: manifest.counts.passages,
      embeddings: describeEmbeddings(manifest.embeddings),
      retrieval: open.vectors !== null && this.options.embedder !== null ? 'hybrid' : 'lexical',
      lexicalReason: open.lexicalReason,
      builtAt: manifest.builtAt,
      llm: this.options.chatModel?.model ?? null,
    };
  }

  close(): void {
    this.options.index.close();
  }

  private answerDeps() {
    return { retrieve: (q: string) => this.retrieve(q), chatModel: this.options.chatModel, logger: this.options.logger };
  }

  private answerOptions(options: AskOptions) {
    return { maxQuestionLength: this.options.config.retrieval.maxQuestionLength, ...options };
  }

  /**
   * What the daily digest picks from (`pickDigest` in src/core/digest/pick-papers.ts): every paper in corpus
   * order with the time it entered the index; when the index has vectors, one embedding per paper (the
   * normalized centroid of its passages, read lazily so a large corpus is not loaded whole); and for a topic,
   * the fused retrieval score of each paper that passes the relevance gate. Pick right away: the lookups
   * read the build that is current now.
   */
  async digestCandidates(topic?: string | null): Promise<DigestCandidates> {
    const { store, vectors } = this.options.index.current();
    let embeddings: ((paperId: string) => number[] | undefined) | undefined;
    if (vectors !== null) {
      const cache = new Map<string, number[] | undefined>();
      embeddings = (paperId) => {
        if (!cache.has(paperId)) {
          const own = store.passageIdsOf(paperId).map((id) => vectors.getVector(id)).filter((v): v is number[] => v !== undefined);
          cache.set(paperId, own.length === 0 ? undefined : normalize(own.reduce((sum, v) => sum.map((x, i) => x + (v[i] ?? 0)), new Array<number>(vectors.dims).fill(0))));
        }
        return cache.get(paperId);
      };
    }
    let relevance: Map<string, number> | undefined;
    const query = topic?.trim();
    if (query) {
      const r = this.options.config.retrieval;
      // Wider than a question's retrieval: a topic should rank many papers, one passage each.
      const found = await retrieve(
        query,
        { store, vectors: vectors ?? undefined, embedder: vectors === null ? undefined : (this.options.embedder ?? undefined) },
        { topK: 100, candidates: 100, maxPassagesPerPaper: 1, gateMinCoverage: r.gateMinCoverage, gateMinSimilarity: r.gateMinSimilarity },
      );
      relevance = new Map(found.passages.map((p) => [p.paper.id, p.score]));
    }
    return { papers: store.allPapers(), embeddings, relevance };
  }
}

export interface DigestCandidates {
  papers: StoredPaper[];
  /** Per-paper vectors for MMR; undefined when the index has none (the digest then compares words). */
  embeddings: ((paperId: string) => number[] | undefined) | undefined;
  /** Topic relevance by paper id (only papers that pass the gate); undefined without a topic. */
  relevance: Map<string, number> | undefined;
}

function normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}
