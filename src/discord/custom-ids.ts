/**
 * The custom ids of paperbot's buttons: what a press means travels in the id itself (Discord gives it back
 * on the press), so buttons keep working after a restart. At most 100 characters, as Discord requires.
 */
import { LIMITS } from './render/limits.ts';
import type { Vote } from '../core/feedback/feedback-store.ts';

const FEEDBACK = 'feedback';
const SIMILAR = 'similar';
const DIGEST_VOTE = 'dvote';
const EVIDENCE = 'evidence';
const PUBLISH = 'publish';
const ASK_PAPER = 'askpaper';
const CITE = 'cite';
const ANSWER_BIBTEX = 'bibtex';

/** The first part of each button's custom id, before the first ':'. */
const KIND_BY_PREFIX = new Map<string, ButtonKind>([
  [FEEDBACK, 'feedback'],
  [SIMILAR, 'similar'],
  [DIGEST_VOTE, 'digest-vote'],
  [CITE, 'cite'],
  [ANSWER_BIBTEX, 'bibtex'],
  [EVIDENCE, 'evidence'],
  [PUBLISH, 'publish'],
  [ASK_PAPER, 'ask-paper'],
]);

/** `prefix:paperId`, the id of a button about one paper; null when the paper id is too long to fit (the button is then left out). */
function paperButtonId(prefix: string, paperId: string): string | null {
  const id = `${prefix}:${paperId}`;
  return id.length <= LIMITS.customId ? id : null;
}

function parsePaperButtonId(prefix: string, customId: string): { paperId: string } | null {
  return customId.startsWith(`${prefix}:`) && customId.length > prefix.length + 1 ? { paperId: customId.slice(prefix.length + 1) } : null;
}

export function feedbackId(vote: Vote, answerId: string): string {
  return `${FEEDBACK}:${vote}:${answerId}`;
}

export function parseFeedbackId(customId: string): { vote: Vote; answerId: string } | null {
  const match = /^feedback:(up|down):([\w-]{1,64})$/.exec(customId);
  return match?.[1] !== undefined && match[2] !== undefined ? { vote: match[1] as Vote, answerId: match[2] } : null;
}

/** null when the paper id is too long to fit (the button is then left out). */
export function similarId(paperId: string): string | null {
  return paperButtonId(SIMILAR, paperId);
}

export function parseSimilarId(customId: string): { paperId: string } | null {
  return parsePaperButtonId(SIMILAR, customId);
}

/**
 * A vote on entry `n` of a channel's digest of `localDate`: the channel comes with the press, the paper from
 * the post record, so the id stays short (about 22 characters) however long the paper's id is.
 */
export function digestVoteId(vote: Vote, localDate: string, n: number): string {
  return `${DIGEST_VOTE}:${vote}:${localDate}:${n}`;
}

export function parseDigestVoteId(customId: string): { vote: Vote; localDate: string; n: number } | null {
  const match = /^dvote:(up|down):(\d{4}-\d{2}-\d{2}):(\d{1,2})$/.exec(customId);
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) return null;
  return { vote: match[1] as Vote, localDate: match[2], n: Number(match[3]) };
}

/** Which handler a press belongs to. */
export function buttonKind(customId: string): ButtonKind | null {
  const colon = customId.indexOf(':');
  return colon < 0 ? null : (KIND_BY_PREFIX.get(customId.slice(0, colon)) ?? null);
}

export type ButtonKind = 'feedback' | 'similar' | 'digest-vote' | 'cite' | 'bibtex' | 'evidence' | 'publish' | 'ask-paper';

/** "Cite" under a /paper card; null when the paper id is too long to fit (the button is then left out). */
export function citeId(paperId: string): string | null {
  return paperButtonId(CITE, paperId);
}

export function parseCiteId(customId: string): { paperId: string } | null {
  return parsePaperButtonId(CITE, customId);
}

/** "BibTeX" under an answer: the answer id, whose stored record lists the cited papers (however many, however long their ids). */
export function answerBibtexId(answerId: string): string {
  return `${ANSWER_BIBTEX}:${answerId}`;
}

export function parseAnswerBibtexId(customId: string): { answerId: string } | null {
  const match = /^bibtex:([\w-]{1,64})$/.exec(customId);
  return match?.[1] === undefined ? null : { answerId: match[1] };
}

/** "Show evidence" of an answer: the evidence is stored under the answer id. */
export function evidenceId(answerId: string): string {
  return `${EVIDENCE}:${answerId}`;
}

export function parseEvidenceId(customId: string): { answerId: string } | null {
  const match = /^evidence:([\w-]{1,64})$/.exec(customId);
  return match?.[1] === undefined ? null : { answerId: match[1] };
}

const ASK_MODAL = 'askm';
/** The paragraph box of /ask's modal. */
export const ASK_MODAL_QUESTION = 'question';

/** /ask's modal: whether the answer is private travels with it, since the modal's submission is a new interaction. */
export function askModalId(ephemeral: boolean): string {
  return `${ASK_MODAL}:${ephemeral ? 'private' : 'public'}`;
}

export function parseAskModalId(customId: string): { ephemeral: boolean } | null {
  const match = /^askm:(private|public)$/.exec(customId);
  return match === null ? null : { ephemeral: match[1] === 'private' };
}

/** "Post in a thread" under a private answer about a message: the answer (stored) and the message it is about. */
export function publishId(answerId: string, messageId: string): string {
  return `${PUBLISH}:${answerId}:${messageId}`;
}

export function parsePublishId(customId: string): { answerId: string; messageId: string } | null {
  const match = /^publish:([\w-]{1,64}):(\d{1,20})$/.exec(customId);
  return match?.[1] === undefined || match[2] === undefined ? null : { answerId: match[1], messageId: match[2] };
}

/** "Ask about this paper" under a /paper card, and the modal it opens (same id); null when the paper id is too long to fit. */
export function askPaperId(paperId: string): string | null {
  return paperButtonId(ASK_PAPER, paperId);
}

export function parseAskPaperId(customId: string): { paperId: string } | null {
  return parsePaperButtonId(ASK_PAPER, customId);
}

/** The select menus of an ambiguous /paper or /similar: which command's answer a choice gets. */
export const PICK_PAPER = 'pick:paper';
export const PICK_SIMILAR = 'pick:similar';
