/**
 * The OpenAI-compatible ChatModel against the fake server on 127.0.0.1, through the real `openai` client:
 * answers, streaming, our own retry budget (including a 429 that asks for two minutes), and the LlmError
 * kinds and messages a user ends up seeing. Time is virtual: retry waits pass at once (and are recorded),
 * and the call's deadline passes only when a test advances the clock.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../dev/fake-openai.ts';
import { RecordingLogger } from '../../dev/recording-logger.ts';
import { VirtualClock } from '../../dev/virtual-clock.ts';
import { LlmError, type ChatMessage, type ChatModel } from '../../core/answering/chat-model.ts';
import { createOpenAIChatModel, type OpenAIChatModelOptions } from './openai-chat-model.ts';

const API_KEY = 'sk-test-SECRET-1234567890abcdef';
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'Answer only from the numbered passages and cite them like [1].' },
  { role: 'user', content: 'Passages:\n[1] VaSSO stabilises sharpness-aware minimisation.\n[2] FaMUS reweights noisy labels.\n\nQuestion: What is VaSSO?' },
];

let fake: FakeOpenAI;
/** The clock of the model the test last built with chatModel(). */
let clock: VirtualClock;

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await fake.close();
});

/** Waits shorter than the budget pass at once; the deadline (a sleep of the whole budget) waits for advance(). */
function chatModel(overrides: Partial<OpenAIChatModelOptions> = {}): ChatModel {
  const options = { baseURL: fake.url, apiKey: API_KEY, model: 'fake-gpt', timeoutMs: 5_000, maxRetries: 2, ...overrides };
  clock = new VirtualClock({ skipBelowMs: options.timeoutMs });
  return createOpenAIChatModel({ clock, ...options });
}

/** The waits between attempts: every sleep but the first, which is the call's deadline. */
function waits(): number[] {
  return clock.sleeps.slice(1);
}

/** Runs `fn` and expects an LlmError. */
async function failure(fn: () => Promise<unknown>): Promise<LlmError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof LlmError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function collect(stream: AsyncIterable<string>, into: string[] = []): Promise<string[]> {
  for await (const delta of stream) into.push(delta);
  return into;
}

describe('OpenAI-compatible chat model', () => {
  it('returns the answer of a JSON completion', async () => {
    fake.enqueue({ content: 'VaSSO is a variant of sharpness-aware minimisation [1].' });

    const answer = await chatModel().complete(MESSAGES);

    expect(answer).toBe('VaSSO is a variant of sharpness-aware minimisation [1].');
  });

  it('sends the model name, the messages and the key to the endpoint', async () => {
    await chatModel({ temperature: 0.2 }).complete(MESSAGES);

    const request = await fake.nextRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.body).toMatchObject({ model: 'fake-gpt', messages: MESSAGES, temperature: 0.2 });
  });

  it('returns the text exactly as the server sent it, citation marks and line breaks included', async () => {
    const text = '  VaSSO [1] and FaMUS [2] differ:\n\n- **VaSSO** suppresses variance [1][2]\n';
    fake.enqueue({ content: text });

    expect(await chatModel().complete(MESSAGES)).toBe(text);
  });

  it('streams an answer as several deltas that join to the full text', async () => {
    const text = 'VaSSO stabilises sharpness-aware minimisation by variance suppression [1].';
    fake.enqueue({ content: text });

    const deltas = await collect(chatModel().stream(MESSAGES));

    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(text);
    expect((await fake.nextRequest()).body).toMatchObject({ model: 'fake-gpt', stream: true });
  });

  it.each([
    { status: 500, maxRetries: 2, kind: 'server', attempts: 3, message: 'The language model server failed (HTTP 500) after 3 attempts.' },
    { status: 401, maxRetries: 3, kind: 'auth', attempts: 1, message: 'The language model server refused the API key (HTTP 401); check OPENAI_API_KEY.' },
  ])('HTTP $status on every attempt fails as $kind after $attempts attempt(s)', async ({ status, maxRetries, kind, attempts, message }) => {
    fake.setDefault(() => ({ status }));

    const error = await failure(() => chatModel({ maxRetries }).complete(MESSAGES));

    expect(error).toMatchObject({ kind, status, message });
    expect(fake.requests).toHaveLength(attempts);
  });

  it('waits 0.5 s, then 1 s, less up to a quarter of jitter, between attempts', async () => {
    fake.setDefault(() => ({ status: 503 }));

    await failure(() => chatModel({ maxRetries: 2 }).complete(MESSAGES));

    const [first, second, ...more] = waits();
    expect(first).toBeGreaterThanOrEqual(375);
    expect(first).toBeLessThanOrEqual(500);
    expect(second).toBeGreaterThanOrEqual(750);
    expect(second).toBeLessThanOrEqual(1_000);
    expect(more).toEqual([]);
  });

  it('recovers when a 500 is followed by a 200', async () => {
    fake.enqueue({ status: 500 }, { content: 'Recovered answer [1].' });

    const answer = await chatModel().complete(MESSAGES);

    expect(answer).toBe('Recovered answer [1].');
    expect(fake.requests).toHaveLength(2);
  });

  it('a 429 asking for two minutes is retried after the 4 s cap, within the budget', async () => {
    fake.enqueue({ status: 429, headers: { 'retry-after': '120' } }, { content: 'Answer after the rate limit [1].' });

    const answer = await chatModel({ timeoutMs: 5_000 }).complete(MESSAGES);

    expect(answer).toBe('Answer after the rate limit [1].');
    expect(fake.requests).toHaveLength(2);
    expect(waits()).toEqual([4_000]);
  });

  it('a 429 that never ends fails as rate-limited at once when the budget cannot cover the wait', async () => {
    fake.setDefault(() => ({ status: 429, headers: { 'retry-after': '120' } }));

    const error = await failure(() => chatModel({ timeoutMs: 3_000 }).complete(MESSAGES));

    expect(error.kind).toBe('rate-limited');
    expect(error.status).toBe(429);
    expect(error.message).toMatch(/rate-limiting.*try again in about 2 minutes\.$/);
    expect(fake.requests).toHaveLength(1);
    expect(waits()).toEqual([]);
  });

  it('a malformed body fails as bad-response without retrying', async () => {
    fake.enqueue({ malformed: true });

    const error = await failure(() => chatModel().complete(MESSAGES));

    expect(error.kind).toBe('bad-response');
    expect(error.message).toBe('The language model sent a response that is not a valid chat completion.');
    expect(fake.requests).toHaveLength(1);
  });

  it('a completion without any choice fails as bad-response', async () => {
    fake.enqueue({ status: 200, body: JSON.stringify({ id: 'x', object: 'chat.completion', choices: [] }) });

    const error = await failure(() => chatModel().complete(MESSAGES));

    expect(error.kind).toBe('bad-response');
    expect(error.message).toBe('The language model returned an empty answer.');
  });

  it('a malformed stream fails as bad-response', async () => {
    fake.enqueue({ malformed: true });

    const error = await failure(() => collect(chatModel().stream(MESSAGES)));

    expect(error.kind).toBe('bad-response');
  });

  it('a server that never answers fails as timeout when the budget runs out', async () => {
    fake.setDefault(() => ({ hang: true }));
    const call = failure(() => chatModel({ timeoutMs: 1_500 }).complete(MESSAGES));
    await fake.nextRequest();

    clock.advance(1_500);
    const error = await call;

    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('The language model did not answer within 1.5 s.');
    expect(fake.requests).toHaveLength(1);
  });

  it('a stream that stops mid-answer fails as timeout when the budget runs out, after the deltas that came', async () => {
    fake.enqueue({ content: 'Half an answer', streamEnd: 'hang' });
    const deltas: string[] = [];
    const call = failure(() => collect(chatModel({ timeoutMs: 1_500 }).stream(MESSAGES), deltas));
    await vi.waitFor(() => expect(deltas.join('')).toBe('Half an answer'));

    clock.advance(1_500);
    const error = await call;

    expect(error.kind).toBe('timeout');
    expect(deltas.join('')).toBe('Half an answer');
  });

  it('a stream retries a failure before its first delta', async () => {
    fake.enqueue({ status: 503 }, { content: 'Streamed after a retry [1].' });

    const deltas = await collect(chatModel().stream(MESSAGES));

    expect(deltas.join('')).toBe('Streamed after a retry [1].');
    expect(fake.requests).toHaveLength(2);
  });

  it('a stream is not retried once text has arrived', async () => {
    fake.enqueue({ content: 'Text the user already saw', streamEnd: 'drop' });
    const deltas: string[] = [];

    const error = await failure(() => collect(chatModel().stream(MESSAGES), deltas));

    expect(error.kind).toBe('connection');
    expect(deltas.join('')).toBe('Text the user already saw');
    expect(fake.requests).toHaveLength(1);
  });

  describe('each failure with its own reason', () => {
    const endpoint = () => new URL(fake.url).origin;

    it('a body cut off mid-JSON says the connection broke off mid-answer, not that it could not connect', async () => {
      fake.setDefault(() => ({ cutBody: true }));
      const error = await failure(() => chatModel({ maxRetries: 1 }).complete(MESSAGES));
      expect(error.kind).toBe('connection');
      expect(error.message).toBe(`The connection to the language model server at ${endpoint()} broke off in the middle of its answer after 2 attempts.`);
      expect(fake.requests).toHaveLength(2);
    });

    it('a stream cut off mid-event says so, after the text that came', async () => {
      fake.enqueue({ cutBody: true });
      const deltas: string[] = [];
      const error = await failure(() => collect(chatModel().stream(MESSAGES), deltas));
      expect(deltas.join('')).toBe('The answer begins ');
      expect(error.message).toBe(`The connection to the language model server at ${endpoint()} broke off in the middle of its answer.`);
    });

    it('a stream dropped after its deltas says so too', async () => {
      fake.enqueue({ content: 'Text the user already saw', streamEnd: 'drop' });
      const error = await failure(() => collect(chatModel().stream(MESSAGES)));
      expect(error.message).toMatch(/broke off in the middle of its answer\.$/);
    });

    it.each([
      { what: 'an HTML page', headers: { 'content-type': 'text/html' }, body: '<html><body>502 from the proxy</body></html>' },
      { what: 'JSON that is no chunk', headers: { 'content-type': 'text/event-stream' }, body: 'data: {"status":"ok"}\n\ndata: [DONE]\n\n' },
    ])('a 200 stream that is $what is not a valid completion, not an empty answer', async ({ headers, body }) => {
      fake.enqueue({ status: 200, headers, body });
      const error = await failure(() => collect(chatModel().stream(MESSAGES)));
      expect(error.kind).toBe('bad-response');
      expect(error.message).toBe('The language model sent a response that is not a valid chat completion.');
    });

    it('a stream of chunks without any text is an empty answer', async () => {
      const chunk = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'fake-gpt', choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: 'stop' }] });
      fake.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: `data: ${chunk}\n\ndata: [DONE]\n\n` });
      const error = await failure(() => collect(chatModel().stream(MESSAGES)));
      expect(error.message).toBe('The language model returned an empty answer.');
    });

    it('sends max_tokens when given', async () => {
      await chatModel({ maxTokens: 321 }).complete(MESSAGES);
      expect((await fake.nextRequest()).body).toMatchObject({ max_tokens: 321 });
    });
  });

  it('the API key never appears in the error, even when the server echoes it', async () => {
    fake.setDefault(() => ({
      status: 401,
      body: JSON.stringify({ error: { message: `Incorrect API key provided: ${API_KEY}`, type: 'invalid_request_error' } }),
    }));
    const logger = new RecordingLogger();

    const error = await failure(() => chatModel({ logger }).complete(MESSAGES));

    expect(error.message).not.toContain(API_KEY);
    expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
    expect(JSON.stringify(logger.lines)).not.toContain(API_KEY);
    // The server's own words stay available for the log, minus the key.
    expect(inspect(error.cause)).toContain('Incorrect API key provided: [redacted]');
  });

  it('logs each failed attempt at debug level with its status and wait', async () => {
    fake.enqueue({ status: 500 }, { content: 'Fine now [1].' });
    const logger = new RecordingLogger();

    await chatModel({ logger }).complete(MESSAGES);

    const retry = logger.lines.find((line) => line.message === 'LLM attempt failed; retrying');
    expect(retry?.level).toBe('debug');
    expect(retry?.fields).toMatchObject({ attempt: 1, status: 500, kind: 'server', model: 'fake-gpt' });
    expect(retry?.fields['waitMs']).toBeGreaterThan(0);
    expect(JSON.stringify(logger.lines)).not.toContain(API_KEY);
  });

  it('fails as aborted, without waiting for the budget, when the caller aborts', async () => {
    fake.setDefault(() => ({ hang: true }));
    const controller = new AbortController();
    const call = failure(() => chatModel({ timeoutMs: 10_000 }).complete(MESSAGES, { signal: controller.signal }));
    await fake.nextRequest();

    controller.abort();
    const error = await call;

    expect(error.kind).toBe('aborted');
    expect(clock.now()).toBe(0);
  });

  it('fails as aborted, without calling the server, when the signal is already aborted', async () => {
    const error = await failure(() => chatModel().complete(MESSAGES, { signal: AbortSignal.abort() }));

    expect(error.kind).toBe('aborted');
    expect(fake.requests).toHaveLength(0);
  });

  it('an unreachable server fails as connection and names only its address', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await failure(() =>
      chatModel({ baseURL: `http://user:pw@127.0.0.1:${port}/v1?token=abc`, maxRetries: 1 }).complete(MESSAGES),
    );

    expect(error.kind).toBe('connection');
    expect(error.message).toBe(`Could not connect to the language model server at http://127.0.0.1:${port} after 2 attempts.`);
  });
});
