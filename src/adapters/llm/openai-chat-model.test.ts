/**
 * The OpenAI-compatible ChatModel against the fake server on 127.0.0.1, through the real `openai` client:
 * answers, streaming, our own retry budget (including a 429 that asks for two minutes), and the LlmError
 * kinds and messages a user ends up seeing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../dev/fake-openai.ts';
import { LlmError, type ChatMessage, type ChatModel } from '../../core/answering/chat-model.ts';
import type { Logger } from '../../core/logger.ts';
import { createOpenAIChatModel, type OpenAIChatModelOptions } from './openai-chat-model.ts';

const API_KEY = 'sk-test-SECRET-1234567890abcdef';
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'Answer only from the numbered passages and cite them like [1].' },
  { role: 'user', content: 'Passages:\n[1] VaSSO stabilises sharpness-aware minimisation.\n[2] FaMUS reweights noisy labels.\n\nQuestion: What is VaSSO?' },
];

let fake: FakeOpenAI;

beforeEach(async () => {
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  await fake.close();
});

function chatModel(overrides: Partial<OpenAIChatModelOptions> = {}): ChatModel {
  return createOpenAIChatModel({ baseURL: fake.url, apiKey: API_KEY, model: 'fake-gpt', timeoutMs: 5_000, maxRetries: 2, ...overrides });
}

/** Runs `fn`, expects an LlmError, and returns it with how long the call took. */
async function failure(fn: () => Promise<unknown>): Promise<{ error: LlmError; elapsedMs: number }> {
  const started = performance.now();
  try {
    await fn();
  } catch (error) {
    const elapsedMs = performance.now() - started;
    if (error instanceof LlmError) return { error, elapsedMs };
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function collect(stream: AsyncIterable<string>, into: string[] = []): Promise<string[]> {
  for await (const delta of stream) into.push(delta);
  return into;
}

function recordingLogger(): Logger & { lines: { level: string; fields: Record<string, unknown>; message: string }[] } {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const make = (bindings: Record<string, unknown>): Logger => ({
    debug: (fields, message) => lines.push({ level: 'debug', fields: { ...bindings, ...fields }, message }),
    info: (fields, message) => lines.push({ level: 'info', fields: { ...bindings, ...fields }, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields: { ...bindings, ...fields }, message }),
    error: (fields, message) => lines.push({ level: 'error', fields: { ...bindings, ...fields }, message }),
    child: (more) => make({ ...bindings, ...more }),
  });
  return Object.assign(make({}), { lines });
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

  it('the default fake answer cites the passages it was given', async () => {
    const answer = await chatModel().complete(MESSAGES);

    expect(answer).toContain('[1]');
    expect(answer).toContain('[2]');
  });

  it('streams an answer as several deltas that join to the full text', async () => {
    const text = 'VaSSO stabilises sharpness-aware minimisation by variance suppression [1].';
    fake.enqueue({ content: text });

    const deltas = await collect(chatModel().stream(MESSAGES));

    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(text);
    expect((await fake.nextRequest()).body).toMatchObject({ model: 'fake-gpt', stream: true });
  });

  it('fails with kind server after maxRetries + 1 attempts when every attempt gets a 500', async () => {
    fake.setDefault(() => ({ status: 500 }));

    const { error } = await failure(() => chatModel({ maxRetries: 2 }).complete(MESSAGES));

    expect(error.kind).toBe('server');
    expect(error.status).toBe(500);
    expect(error.message).toBe('The language model server failed (HTTP 500) after 3 attempts.');
    expect(fake.requests).toHaveLength(3);
  });

  it('recovers when a 500 is followed by a 200', async () => {
    fake.enqueue({ status: 500 }, { content: 'Recovered answer [1].' });

    const answer = await chatModel().complete(MESSAGES);

    expect(answer).toBe('Recovered answer [1].');
    expect(fake.requests).toHaveLength(2);
  });

  it('a 429 asking for two minutes is retried after at most the cap, within the budget', async () => {
    fake.enqueue({ status: 429, headers: { 'retry-after': '120' } }, { content: 'Answer after the rate limit [1].' });

    const started = performance.now();
    const answer = await chatModel({ timeoutMs: 5_000 }).complete(MESSAGES);
    const elapsedMs = performance.now() - started;

    expect(answer).toBe('Answer after the rate limit [1].');
    expect(fake.requests).toHaveLength(2);
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('a 429 that never ends fails as rate-limited before the budget runs out', async () => {
    fake.setDefault(() => ({ status: 429, headers: { 'retry-after': '120' } }));

    const { error, elapsedMs } = await failure(() => chatModel({ timeoutMs: 3_000 }).complete(MESSAGES));

    expect(error.kind).toBe('rate-limited');
    expect(error.status).toBe(429);
    expect(error.message).toMatch(/rate-limiting.*try again in about 2 minutes\.$/);
    expect(elapsedMs).toBeLessThan(4_000);
  });

  it('a malformed body fails as bad-response without retrying', async () => {
    fake.enqueue({ malformed: true });

    const { error } = await failure(() => chatModel().complete(MESSAGES));

    expect(error.kind).toBe('bad-response');
    expect(error.message).toBe('The language model sent a response that is not a valid chat completion.');
    expect(fake.requests).toHaveLength(1);
  });

  it('a completion without any choice fails as bad-response', async () => {
    fake.enqueue({ status: 200, body: JSON.stringify({ id: 'x', object: 'chat.completion', choices: [] }) });

    const { error } = await failure(() => chatModel().complete(MESSAGES));

    expect(error.kind).toBe('bad-response');
    expect(error.message).toBe('The language model returned an empty answer.');
  });

  it('a malformed stream fails as bad-response', async () => {
    fake.enqueue({ malformed: true });

    const { error } = await failure(() => collect(chatModel().stream(MESSAGES)));

    expect(error.kind).toBe('bad-response');
  });

  it('a server that never answers fails as timeout within the budget', async () => {
    fake.setDefault(() => ({ hang: true }));

    const { error, elapsedMs } = await failure(() => chatModel({ timeoutMs: 1_500 }).complete(MESSAGES));

    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('The language model did not answer within 1.5 s.');
    expect(elapsedMs).toBeGreaterThanOrEqual(1_400);
    expect(elapsedMs).toBeLessThan(1_500 + 500);
    expect(fake.requests).toHaveLength(1);
  });

  it('a stream that stops mid-answer fails as timeout within the budget, after the deltas that came', async () => {
    fake.enqueue({ content: 'Half an answer', streamEnd: 'hang' });
    const deltas: string[] = [];

    const { error, elapsedMs } = await failure(() => collect(chatModel({ timeoutMs: 1_500 }).stream(MESSAGES), deltas));

    expect(error.kind).toBe('timeout');
    expect(deltas.join('')).toBe('Half an answer');
    expect(elapsedMs).toBeLessThan(1_500 + 500);
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

    const { error } = await failure(() => collect(chatModel().stream(MESSAGES), deltas));

    expect(error.kind).toBe('connection');
    expect(deltas.join('')).toBe('Text the user already saw');
    expect(fake.requests).toHaveLength(1);
  });

  it('401 fails as auth at once, without retrying', async () => {
    fake.setDefault(() => ({ status: 401 }));

    const { error } = await failure(() => chatModel({ maxRetries: 3 }).complete(MESSAGES));

    expect(error.kind).toBe('auth');
    expect(error.status).toBe(401);
    expect(error.message).toBe('The language model server refused the API key (HTTP 401); check OPENAI_API_KEY.');
    expect(fake.requests).toHaveLength(1);
  });

  it('the API key never appears in the error, even when the server echoes it', async () => {
    fake.setDefault(() => ({
      status: 401,
      body: JSON.stringify({ error: { message: `Incorrect API key provided: ${API_KEY}`, type: 'invalid_request_error' } }),
    }));
    const logger = recordingLogger();

    const { error } = await failure(() => chatModel({ logger }).complete(MESSAGES));

    expect(error.message).not.toContain(API_KEY);
    expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
    expect(JSON.stringify(logger.lines)).not.toContain(API_KEY);
    // The server's own words stay available for the log, minus the key.
    expect(inspect(error.cause)).toContain('Incorrect API key provided: [redacted]');
  });

  it('logs each failed attempt at debug level with its status and wait', async () => {
    fake.enqueue({ status: 500 }, { content: 'Fine now [1].' });
    const logger = recordingLogger();

    await chatModel({ logger }).complete(MESSAGES);

    const retry = logger.lines.find((line) => line.message === 'LLM attempt failed; retrying');
    expect(retry?.level).toBe('debug');
    expect(retry?.fields).toMatchObject({ attempt: 1, status: 500, kind: 'server', model: 'fake-gpt' });
    expect(retry?.fields['waitMs']).toBeGreaterThan(0);
    expect(JSON.stringify(logger.lines)).not.toContain(API_KEY);
  });

  it('fails as aborted, promptly, when the caller aborts', async () => {
    fake.setDefault(() => ({ hang: true }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const { error, elapsedMs } = await failure(() => chatModel({ timeoutMs: 10_000 }).complete(MESSAGES, { signal: controller.signal }));

    expect(error.kind).toBe('aborted');
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('an unreachable server fails as connection and names only its address', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const { error } = await failure(() =>
      chatModel({ baseURL: `http://user:pw@127.0.0.1:${port}/v1?token=abc`, maxRetries: 1 }).complete(MESSAGES),
    );

    expect(error.kind).toBe('connection');
    expect(error.message).toBe(`Could not connect to the language model server at http://127.0.0.1:${port} after 2 attempts.`);
  });
});
