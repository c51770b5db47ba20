/**
 * Recognising a model's "the passages do not answer this": the sentence the prompt asks for, and the usual
 * ways models put it, but never an answer that cites a passage or merely uses similar words.
 */
import { describe, expect, it } from 'vitest';
import { DECLINE_SENTENCE, saysPassagesDoNotAnswer } from './detect-decline.ts';
import { SYSTEM_PROMPT } from './build-prompt.ts';

describe('saysPassagesDoNotAnswer', () => {
  it('asks the model for one sentence in the prompt, and recognises it', () => {
    expect(SYSTEM_PROMPT).toContain(DECLINE_SENTENCE);
    expect(saysPassagesDoNotAnswer(DECLINE_SENTENCE, 0)).toBe(true);
    expect(saysPassagesDoNotAnswer('  the passages do not answer this question  ', 0)).toBe(true);
  });

  it.each([
    'The provided passages do not contain any information about the FIFA World Cup.',
    "The passages don't mention who won the 2018 World Cup.",
    'None of the given sources address this question.',
    'There is no information about sourdough bread in the passages.',
    'I cannot answer this question based on the provided context.',
    'The context provided does not include details about quicksort.',
  ])('recognises “%s”', (reply) => {
    expect(saysPassagesDoNotAnswer(reply, 0)).toBe(true);
  });

  it('never takes a cited reply for a decline', () => {
    expect(saysPassagesDoNotAnswer('The passages do not mention ImageNet, but FaMUS approximates the meta gradient [2].', 1)).toBe(false);
  });

  it.each([
    'FaMUS approximates the meta gradient layer by layer.',
    'Label noise does not hurt VaSSO as much as SAM.',
    'The paper cannot be applied to graphs without changes.',
  ])('leaves an uncited answer alone: “%s”', (reply) => {
    expect(saysPassagesDoNotAnswer(reply, 0)).toBe(false);
  });
});
