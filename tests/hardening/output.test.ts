/**
 * The model's output is bounded and inert, and what paperbot sends is a payload Discord accepts: a 100 KB
 * reply from the fake OpenAI server (through the real `openai` client) becomes at most three Discord
 * messages and a capped terminal answer, each saying it was cut; links the model or the corpus wrote are
 * neither clickable nor previewed while paperbot's own source links work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askSlash, restErrors, startHarness, type Harness } from '../discord/harness.ts';

const QUESTION = 'What does FaMUS approximate to save training time?';
const SENTENCE = 'FaMUS approximates the meta gradient layer by layer to save training time [1]. ';
const HUNDRED_KB = SENTENCE.repeat(Math.ceil(100_000 / SENTENCE.length));

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { LLM_MAX_TOKENS: '800', RATE_LIMIT_QUESTIONS: '100' } });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** The answer's messages as posted (progress edits left out), in order. */
function answerParts(calls: ReturnType<Awaited<ReturnType<typeof askSlash>>['calls']>) {
  return calls.filter((c) => c.message?.content !== undefined && !c.message.content.startsWith('🔎') && !c.message.content.includes('writing…'));
}

describe('a runaway model', () => {
  it('asks the endpoint for LLM_MAX_TOKENS and posts a 100 KB reply as at most 3 messages that say it was cut', async () => {
    h.llm!.enqueue({ content: HUNDRED_KB });
    const { final, calls } = await askSlash(h.fake, QUESTION, { user: { username: 'flood' } });
    expect(h.llm!.requests.at(-1)?.body).toMatchObject({ max_tokens: 800, stream: true });
    const parts = answerParts(calls());
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(parts.length).toBeLessThanOrEqual(3);
    expect(restErrors(calls())).toEqual([]);
    for (const part of parts) expect(part.message!.content!.length).toBeLessThanOrEqual(2000);
    expect(final.message?.content).toMatch(/⚠️ The answer was cut at [\d,]+ characters/);
    expect(final.message?.content).toContain('**Sources**');
    // Cut at a sentence end, marked as cut.
    expect(parts.map((p) => p.message!.content!).join('\n')).toMatch(/time \[1\]\. …\n/);
  });

  it('prints a capped answer in the terminal (ANSWER_MAX_CHARS), saying it was cut', async () => {
    h.llm!.enqueue({ content: HUNDRED_KB });
    const env = { OPENAI_BASE_URL: h.llm!.url, OPENAI_MODEL: 'fake-model', LLM_MAX_RETRIES: '0', ANSWER_MAX_CHARS: '2000' };
    const asked = await h.ws.run('ask', [QUESTION], { env });
    expect(asked.code).toBe(0);
    expect(asked.stdout.length).toBeLessThan(3_000);
    expect(asked.stdout).toContain('The answer was cut at 2,000 characters');
    expect(asked.stdout).toMatch(/time \[1\]\. …\n/);
  });
});
