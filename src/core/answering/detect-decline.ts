/**
 * Did the language model say that the passages do not answer the question? The prompt asks it to reply
 * with DECLINE_SENTENCE then; models also word it their own way ("The provided passages do not contain
 * information about…", "I cannot answer this from the given context"). Such a reply is a refusal, not an
 * uncited answer. A reply that cites a passage answers at least in part and is never taken for a decline.
 */

/** What the system prompt asks the model to reply when the passages do not answer the question. */
export const DECLINE_SENTENCE = 'The passages do not answer this question.';

const SOURCES = String.raw`(?:passages?|excerpts?|context|sources?|documents?|papers?|(?:provided|given) (?:text|information|material))`;
const NEGATION = String.raw`(?:do not|does not|don't|doesn't|did not|didn't|cannot|can't|fail to|contain no|provide no|offer no|give no|say nothing|mention nothing|have no|has no)`;
const DECLINES = [
  // "the passages do not answer / contain / mention / provide / address / discuss / cover …"
  new RegExp(String.raw`\b${SOURCES}\b[^.!?]{0,60}?\b${NEGATION}\b[^.!?]{0,30}?\b(?:answer|contain|mention|provide|address|discuss|cover|include|say|describe|explain|information|details?)`, 'i'),
  // "there is no information about this in the passages", "nothing in the passages …"
  new RegExp(String.raw`\b(?:there is|there's|i (?:found|find|see)) no (?:information|mention|answer|details?)\b[^.!?]{0,80}?\b${SOURCES}\b`, 'i'),
  // "none of the (given) passages address / answer / mention …"
  new RegExp(String.raw`\bnone of the (?:\w+ )?${SOURCES}\b[^.!?]{0,30}?\b(?:answers?|address(?:es)?|mentions?|contains?|covers?|discuss(?:es)?|says?|provides?)\b`, 'i'),
  // "I cannot answer this (question) from / based on / with the passages"
  new RegExp(String.raw`\bI (?:cannot|can't|am unable to|am not able to) (?:answer|tell|determine|find)\b[^.!?]{0,80}?\b${SOURCES}\b`, 'i'),
];

/** True when an uncited reply says the passages do not answer the question. */
export function saysPassagesDoNotAnswer(reply: string, citedCount: number): boolean {
  if (citedCount > 0) return false;
  const text = reply.replace(/\s+/g, ' ').trim();
  if (text.toLowerCase().includes(DECLINE_SENTENCE.toLowerCase().replace(/\.$/, ''))) return true;
  return DECLINES.some((pattern) => pattern.test(text));
}
