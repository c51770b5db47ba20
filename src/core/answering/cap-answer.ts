/**
 * The answer's length cap, enforced in code whatever the model sends: a reply past `maxChars` is cut at the
 * last sentence end (else word boundary) before the cap and ends in "…", and the answer carries a warning
 * saying it was cut, so a runaway model can neither flood a channel nor pass a half answer off as whole.
 */

/** Default of ANSWER_MAX_CHARS: about three Discord messages; the prompt asks for 200 words (~1,400). */
export const DEFAULT_MAX_ANSWER_CHARS = 6_000;

export const CUT_MARK = ' …';

export interface CappedAnswer {
  text: string;
  cut: boolean;
}

export function answerCutWarning(maxChars: number): string {
  return `The answer was cut at ${maxChars.toLocaleString('en')} characters; ask a narrower question for the rest.`;
}

export const TOKEN_LIMIT_WARNING = "The language model stopped at its token limit (LLM_MAX_TOKENS), so the answer ends where it stopped; ask a narrower question for the rest.";

/** A reply the endpoint ended at its token limit stops mid-sentence: it keeps its whole sentences and the mark. */
export function capAtTokenLimit(text: string): string {
  const capped = capAnswer(text, Math.max(1, text.length - 1));
  return capped.text;
}

export function isCutWarning(warning: string): boolean {
  return warning.startsWith('The answer was cut at ');
}

/** `text` within `maxChars` (the mark included), cut at a sentence end, else a space, never inside a surrogate pair. */
export function capAnswer(text: string, maxChars: number): CappedAnswer {
  if (text.length <= maxChars) return { text, cut: false };
  // Room for the mark, and for closing a code block the cut leaves open.
  const room = Math.max(1, maxChars - 6);
  const window = text.slice(0, room + 1);
  // A boundary in the first half would throw away too much; a cruder cut later is better.
  const floor = Math.floor(room / 2);
  let end = -1;
  for (const match of window.matchAll(/[.!?…。！？][)\]"'»”’*_]*(?=\s)/gu)) {
    const after = match.index + match[0].length;
    if (after <= room) end = after;
  }
  if (end <= floor) end = window.search(/\s\S*$/);
  if (end <= floor) {
    end = room;
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  }
  const kept = text.slice(0, end).trimEnd();
  const closed = closeCodeFence(kept);
  // After a code block closed here the mark goes on its own line, outside the block.
  return { text: closed === kept ? `${kept}${CUT_MARK}` : `${closed}\n…`, cut: true };
}

/**
 * `text` with a code block it left open closed, so what follows (the cut mark, the sources) is not shown
 * as code; a block opened by ``` and never closed would swallow the rest of the message.
 */
export function closeCodeFence(text: string): string {
  const fences = text.split('```').length - 1;
  return fences % 2 === 1 ? `${text.trimEnd()}\n\`\`\`` : text;
}
