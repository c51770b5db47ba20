/**
 * The model's output is bounded and inert, and what paperbot sends is a payload Discord accepts: a 100 KB
 * reply from the fake OpenAI server (through the real `openai` client) becomes at most three Discord
 * messages and a capped terminal answer, each saying it was cut; links the model or the corpus wrote are
 * neither clickable nor previewed while paperbot's own source links work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askSlash, buttonsOf, carriesFeedback, restErrors, startHarness, type Harness } from '../discord/harness.ts';

const QUESTION = 'What does FaMUS approximate to save training time?';
const SENTENCE = 'FaMUS approximates the meta gradient layer by layer to save training time [1]. ';
const HUNDRED_KB = SENTENCE.repeat(Math.ceil(100_000 / SENTENCE.length));

/** Corpus text that tries to link, preview, format and ping; and metadata links Discord would refuse as given. */
const HOSTILE = {
  id: 'hostile-links',
  title: 'Read [the full paper](https://evil.example/title) || @everyone',
  url: 'https://example.org/zebra<paper>',
  abstract:
    'Zebrafish shoals align by lateral lines. # Not a heading. See https://evil.example/abstract and [click here](https://evil.example/masked) for the zebrafish shoal data, measured in three tanks.',
};
const ODD_DOI = {
  id: 'odd-doi',
  title: 'Zebrafish shoal polarity under an odd DOI',
  doi: '10.1002/(SICI)1097-4636(199706)35:4<445::AID-JBM5>3.0.CO;2-?',
  abstract: 'Zebrafish shoal polarity is measured with a DOI that holds angle brackets, a question mark and a semicolon.',
};
const BAD_URL = {
  id: 'bad-url',
  title: 'Zebrafish with an unusable link',
  url: 'https://bank.example@evil.example/login',
  abstract: 'Zebrafish schooling is studied with a link that no one should follow, and the paper card must still be shown to the reader.',
};
const LONG_URL = {
  id: 'long-url',
  title: 'Zebrafish with a very long link',
  url: `https://example.org/${'zebra/'.repeat(100)}`,
  abstract: 'Zebrafish schooling is studied with a link longer than a button may carry, and the card must still be shown to the reader.',
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    env: { LLM_MAX_TOKENS: '800', RATE_LIMIT_QUESTIONS: '100' },
    extraCorpus: [HOSTILE, ODD_DOI, BAD_URL, LONG_URL].map((p) => JSON.stringify(p)),
  });
}, 120_000);

/** Every URL Discord would link or preview: outside code spans, and not in paperbot's own `<…>`. */
function liveUrls(content: string): string[] {
  const outsideCode = content.replace(/```[\s\S]*?```|`[^`\n]*`/g, '').replace(/<https?:\/\/[^\s>]+>/g, '');
  return [...outsideCode.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s)]+/gi)].map((m) => m[0]);
}

/** The links in paperbot's own `<…>`. */
function ownLinks(content: string): string[] {
  return [...content.matchAll(/<(https?:\/\/[^\s>]+)>/g)].map((m) => m[1] ?? '');
}

async function paperCard(query: string) {
  const ix = await h.fake.interaction({ name: 'paper', options: { query } });
  const call = await h.fake.waitForCall((c) => c.interactionId === ix.id && c.message !== null && (c.message.embeds?.length ?? 0) > 0);
  return { call, calls: () => h.fake.findCalls({ interactionId: ix.id }) };
}

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

  it('says so when the endpoint stopped at its token limit mid-sentence, keeping only whole sentences', async () => {
    h.llm!.enqueue({ content: 'FaMUS approximates the meta-gradient to save training time [1]. It also reweights the nois', finishReason: 'length' });
    const { final, calls } = await askSlash(h.fake, QUESTION, { user: { username: 'limit' } });
    const text = answerParts(calls()).map((p) => p.message!.content!).join('\n');
    expect(text).toMatch(/training time \[1\]\. …/);
    expect(text).not.toContain('the nois');
    // Escaped for Discord's markdown: shown as LLM_MAX_TOKENS.
    expect(final.message?.content).toContain('⚠️ The language model stopped at its token limit (LLM\\_MAX\\_TOKENS)');
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

describe('links nobody built are inert', () => {
  it('the model\'s bare and masked links are neither clickable nor previewed; the sources are paperbot\'s own', async () => {
    h.llm!.enqueue({
      content: 'Zebrafish shoals align by lateral lines [1]. Read [the full paper](https://evil.example/model) or https://evil.example/bare, @everyone.',
    });
    const { final, calls } = await askSlash(h.fake, 'How do zebrafish shoals align by lateral lines?', { user: { username: 'linker' } });
    const content = final.message?.content ?? '';
    expect(liveUrls(content)).toEqual([]);
    expect(content).toContain('the full paper (`https://evil.example/model`)');
    expect(content).toContain('`https://evil.example/bare`');
    expect(content).not.toContain('](');
    expect(content).toContain('@\u200beveryone');
    // The source keeps its link, normalized, in <> (no preview), and its button works.
    expect(ownLinks(content)).toEqual(['https://example.org/zebra%3Cpaper%3E']);
    expect(buttonsOf(final).find((b) => b.url !== undefined)?.url).toBe('https://example.org/zebra%3Cpaper%3E');
    expect(restErrors(calls())).toEqual([]);
  });

  it('a /paper card shows a hostile title and abstract as typed, with no live link, and its own link normalized', async () => {
    const { call, calls } = await paperCard('hostile-links');
    const embed = call.message?.embeds?.[0];
    expect(restErrors(calls())).toEqual([]);
    expect(embed?.title).toBe('Read the full paper (`https://evil.example/title`) \\|\\| @\u200beveryone');
    expect(liveUrls(embed?.description ?? '')).toEqual([]);
    expect(embed?.description).toContain('click here (`https://evil.example/masked`)');
    expect(embed?.url).toBe('https://example.org/zebra%3Cpaper%3E');
    expect(buttonsOf(call).find((b) => b.url !== undefined)?.url).toBe('https://example.org/zebra%3Cpaper%3E');
  });

  it('a DOI with <, >, ? and ; becomes one percent-encoded link that Discord accepts', async () => {
    const { call, calls } = await paperCard('odd-doi');
    expect(restErrors(calls())).toEqual([]);
    expect(call.message?.embeds?.[0]?.url).toBe('https://doi.org/10.1002/(sici)1097-4636(199706)35%3A4%3C445%3A%3Aaid-jbm5%3E3.0.co%3B2-%3F');
  });

  it.each([['bad-url'], ['long-url']])('a paper whose link is unusable (%s) still gets its card, without the link', async (id) => {
    const { call, calls } = await paperCard(id);
    expect(restErrors(calls())).toEqual([]);
    expect(call.message?.embeds?.[0]?.title).toMatch(/^Zebrafish with/);
    expect(call.message?.embeds?.[0]?.url).toBeUndefined();
    expect(buttonsOf(call).filter((b) => b.url !== undefined)).toEqual([]);
  });

  it('a thread name from a question of emoji never splits one', async () => {
    const question = `Q ${'👨‍👩‍👧‍👦'.repeat(12)} how do zebrafish shoals align?`;
    h.llm!.enqueue({ content: 'Zebrafish shoals align by lateral lines [1].' });
    const mention = await h.fake.message({ content: question, mentionsBot: true, author: { username: 'emoji' } });
    const thread = await h.fake.waitForCall({ route: 'POST /channels/:channelId/messages/:messageId/threads', path: new RegExp(`/messages/${mention.id}/threads$`) });
    const name = (thread.body as { name: string }).name;
    expect(thread.status).toBeLessThan(300);
    expect(name.length).toBeLessThanOrEqual(100);
    for (const g of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(name.replace(/…$/, ''))) expect(['Q', ' ', '👨‍👩‍👧‍👦']).toContain(g.segment);
    await h.fake.waitForCall((c) => c.channelId === (thread.response as { id: string }).id && carriesFeedback(c), 8000);
  });
});
