/**
 * Question → cited answer. Retrieval first; when nothing clears the gate, a refusal naming the closest papers
 * (the LLM is not called). With an LLM: numbered passages in the prompt, the reply's citations checked
 * against the numbers given, sources built from our metadata; a reply that says the passages do not answer
 * the question is a refusal too, with the closest papers, never an uncited answer. Without one, or when it fails: an extractive
 * answer. `streamAnswer` exposes the same flow as events for adapters that show progress.
 */
import { UserError, describeError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Retrieval } from '../retrieval/hybrid-search.ts';
import { buildMessages, type PromptPassage } from './build-prompt.ts';
import { LlmError, type ChatMessage, type ChatModel } from './chat-model.ts';
import { answerCutWarning, capAnswer, capAtTokenLimit, closeCodeFence, DEFAULT_MAX_ANSWER_CHARS, TOKEN_LIMIT_WARNING } from './cap-answer.ts';
import { checkCitations } from './check-citations.ts';
import { saysPassagesDoNotAnswer } from './detect-decline.ts';
import { extractiveAnswer } from './extractive-answer.ts';

export type AnswerMode = 'llm' | 'extractive' | 'refused';

export interface Citation {
  n: number;
  paperId: string;
  label: string;
  title: string | null;
  url: string | null;
  source: string;
}

export interface AnswerPassage {
  n: number;
  paperId: string;
  score: number;
  source: string;
  text: string;
}

/** The shape `ask --json` prints, and what every adapter renders. */
export interface AnswerResult {
  question: string;
  mode: AnswerMode;
  answer: string;
  citations: Citation[];
  passages: AnswerPassage[];
  warnings: string[];
}

export type AnswerEvent =
  | { type: 'retrieved'; retrieval: Retrieval }
  /** Raw text from the model as it streams (citations not yet checked: for progress display only). */
  | { type: 'delta'; text: string }
  | { type: 'done'; result: AnswerResult };

export interface AnswerDependencies {
  retrieve: (question: string) => Promise<Retrieval>;
  /** Absent: extractive answers only. */
  chatModel?: ChatModel | undefined;
  logger?: Logger;
}

export interface AnswerOptions {
  maxQuestionLength: number;
  /** Earlier turns of a conversation (thread follow-ups), oldest first. */
  history?: readonly ChatMessage[];
  /** Text used for retrieval when it differs from the question (a follow-up plus its context). */
  retrievalQuery?: string;
  signal?: AbortSignal;
  /** The model's reply is read up to this many characters and cut there (ANSWER_MAX_CHARS). */
  maxAnswerChars?: number;
}

export const NO_CITATION_WARNING = 'This answer cites none of the passages it was given; check it against the sources before relying on it.';

export function validateQuestion(question: string, maxLength: number): string {
  const trimmed = question.trim();
  if (trimmed === '') throw new UserError('E_QUESTION_EMPTY', 'Ask a question about the papers, for example: "What does FaMUS approximate?"');
  if (trimmed.length > maxLength) {
    throw new UserError(
      'E_QUESTION_TOO_LONG',
      `Your question is ${trimmed.length.toLocaleString('en')} characters long; the limit is ${maxLength.toLocaleString('en')}. Please shorten it.`,
    );
  }
  return trimmed;
}

export async function* streamAnswer(rawQuestion: string, deps: AnswerDependencies, options: AnswerOptions): AsyncGenerator<AnswerEvent> {
  const question = validateQuestion(rawQuestion, options.maxQuestionLength);
  const retrieval = await deps.retrieve(options.retrievalQuery ?? question);
  yield { type: 'retrieved', retrieval };

  if (!retrieval.gate.passed) {
    yield { type: 'done', result: refusal(question, retrieval) };
    return;
  }

  const numbered = retrieval.passages.map((p, i) => ({ ...p, n: i + 1 }));
  const passages: AnswerPassage[] = numbered.map((p) => ({ n: p.n, paperId: p.paper.id, score: round(p.score), source: p.paper.source, text: p.passage.text }));
  const citationFor = (n: number): Citation[] => {
    const p = numbered[n - 1];
    return p === undefined ? [] : [{ n, paperId: p.paper.id, label: p.paper.label, title: p.paper.title, url: p.paper.url, source: p.paper.source }];
  };
  const warnings: string[] = [];

  if (deps.chatModel !== undefined) {
    const prompt: PromptPassage[] = numbered.map((p) => ({ n: p.n, label: p.paper.label, source: p.paper.source, text: p.passage.text }));
    const messages = buildMessages({ question, passages: prompt, ...(options.history ? { history: options.history } : {}) });
    const maxChars = options.maxAnswerChars ?? DEFAULT_MAX_ANSWER_CHARS;
    let raw = '';
    let tokenLimit = false;
    const onTokenLimit = (): void => {
      tokenLimit = true;
    };
    try {
      for await (const delta of deps.chatModel.stream(messages, options.signal ? { signal: options.signal, onTokenLimit } : { onTokenLimit })) {
        // Past the cap nothing more is read: leaving the loop closes the stream (and its connection).
        const room = maxChars + 1 - raw.length;
        raw += delta.slice(0, room);
        yield { type: 'delta', text: delta.slice(0, room) };
        if (raw.length > maxChars) break;
      }
      if (raw.trim() === '') throw new LlmError('bad-response', 'The language model returned an empty answer.');
      let capped = capAnswer(raw, maxChars);
      if (capped.cut) {
        deps.logger?.warn({ maxChars }, 'the answer was cut at the character cap');
        warnings.push(answerCutWarning(maxChars));
      } else if (tokenLimit) {
        deps.logger?.warn({ maxChars }, 'the language model stopped at its token limit');
        capped = { text: capAtTokenLimit(raw), cut: true };
        warnings.push(TOKEN_LIMIT_WARNING);
      }
      const checked = checkCitations(closeCodeFence(capped.text), new Set(numbered.map((p) => p.n)));
      if (saysPassagesDoNotAnswer(checked.text, checked.cited.length)) {
        deps.logger?.info({ given: numbered.length }, 'the language model said the passages do not answer the question');
        yield { type: 'done', result: refusal(question, retrieval, 'The language model found no answer in the passages retrieved.') };
        return;
      }
      if (checked.removed.length > 0) {
        deps.logger?.warn({ removed: checked.removed, given: numbered.length }, 'removed citations of passages that were not given');
      }
      if (checked.cited.length === 0) warnings.push(NO_CITATION_WARNING);
      yield {
        type: 'done',
        result: { question, mode: 'llm', answer: checked.text, citations: checked.cited.flatMap(citationFor), passages, warnings },
      };
      return;
    } catch (error) {
      if (!(error instanceof LlmError) || error.kind === 'aborted') throw error;
      deps.logger?.warn({ kind: error.kind, status: error.status, err: describeError(error) }, 'LLM failed; falling back to an extractive answer');
      warnings.push(`The language model could not answer (${error.message.replace(/\.$/, '')}); this is an extractive answer from the passages instead.`);
    }
  }

  const extractive = extractiveAnswer({ terms: retrieval.terms, idf: retrieval.idf }, numbered.map((p) => ({ n: p.n, text: p.passage.text })));
  if (extractive.cited.length === 0) warnings.push(NO_CITATION_WARNING);
  yield {
    type: 'done',
    result: { question, mode: 'extractive', answer: closeCodeFence(extractive.text), citations: extractive.cited.flatMap(citationFor), passages, warnings },
  };
}

export async function answerQuestion(question: string, deps: AnswerDependencies, options: AnswerOptions): Promise<AnswerResult> {
  for await (const event of streamAnswer(question, deps, options)) {
    if (event.type === 'done') return event.result;
  }
  throw new Error('answer stream ended without a result');
}

function refusal(question: string, retrieval: Retrieval, why: string | null = null): AnswerResult {
  const closest = retrieval.closest.map((p, i) => `${i + 1}. ${p.label} (${p.source})`);
  const lead = why === null ? 'The indexed papers do not seem to cover this question.' : `${why} The indexed papers do not seem to cover this question.`;
  const answer = closest.length > 0 ? `${lead} The closest papers are:\n${closest.join('\n')}` : `${lead.replace(/\.$/, '')}, and no paper came close.`;
  return { question, mode: 'refused', answer, citations: [], passages: [], warnings: [] };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
