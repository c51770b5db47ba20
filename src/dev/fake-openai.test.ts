/** The fake OpenAI server's default answer, which the end-to-end tests rely on to look like a real model's. */
import { describe, expect, it } from 'vitest';
import { citingResponder, type RecordedRequest } from './fake-openai.ts';

const request = (content: string): RecordedRequest => ({
  method: 'POST',
  path: '/v1/chat/completions',
  headers: {},
  body: { model: 'fake-gpt', messages: [{ role: 'user', content }] },
});

describe('fake OpenAI default answer', () => {
  it('cites the passage numbers it finds in the prompt', () => {
    const answer = citingResponder(request('Passages:\n[1] VaSSO …\n[2] FaMUS …\n\nQuestion: What is VaSSO?'));

    expect(answer).toMatchObject({ content: expect.stringContaining('[1]') });
    expect(answer).toMatchObject({ content: expect.stringContaining('[2]') });
  });

  it('says the passages do not answer when the prompt numbers none', () => {
    expect(citingResponder(request('Question: What is VaSSO?'))).toEqual({ content: 'The provided passages do not answer this question.' });
  });
});
