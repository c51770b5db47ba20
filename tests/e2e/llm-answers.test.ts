/**
 * The answering path against a fake OpenAI-compatible server on 127.0.0.1, through the real `openai` client,
 * with a real index (test model, hnswlib, SQLite) in a temp folder: what a user sees when the LLM answers,
 * invents a citation, fails, rate-limits or sends garbage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createApp, type App } from '../../src/app.ts';
import type { Assistant } from '../../src/assistant/assistant.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/dev/fake-openai.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';

const FAMUS = 'What does FaMUS approximate to save training time?';

describe('answers from an OpenAI-compatible server', () => {
  let ws: Workspace;
  let llm: FakeOpenAI;
  let app: App;
  let assistant: Assistant;

  beforeAll(async () => {
    ws = await makeWorkspace();
    llm = await startFakeOpenAI();
    const config = parseConfig({ ...ws.env, OPENAI_BASE_URL: llm.url, OPENAI_MODEL: 'fake-model', LLM_TIMEOUT_MS: '6000', LLM_MAX_RETRIES: '2' }, ws.dir);
    app = createApp(config, { logger: silentLogger });
    assistant = await app.assistant({ buildIfMissing: true });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await llm.close();
    await ws.cleanup();
  });

  it('gives the model numbered passages and returns its cited answer with sources from our metadata', async () => {
    llm.enqueue({ content: 'It approximates the meta gradient layer by layer [1].' });
    const result = await assistant.ask(FAMUS);
    expect(result.mode).toBe('llm');
    expect(result.answer).toBe('It approximates the meta gradient layer by layer [1].');
    expect(result.citations).toEqual([
      expect.objectContaining({ n: 1, source: 'seed-papers.jsonl:7', title: 'Faster Meta Update Strategy for Noise-Robust Deep Learning', url: expect.stringMatching(/^https:\/\/openaccess\.thecvf\.com\//) }),
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('removes a citation [9] when six passages or fewer were given', async () => {
    llm.enqueue({ content: 'FaMUS uses a layer-wise approximation [1] and was tested on ImageNet [9].' });
    const result = await assistant.ask(FAMUS);
    expect(result.passages.length).toBeLessThanOrEqual(6);
    expect(result.answer).toBe('FaMUS uses a layer-wise approximation [1] and was tested on ImageNet.');
    expect(result.citations.map((c) => c.n)).toEqual([1]);
  });

  it('refuses, naming the closest papers, when the model says the passages do not answer', async () => {
    llm.enqueue({ content: 'The provided passages do not contain any information about how FaMUS was received by reviewers.' });
    const result = await assistant.ask('How did reviewers receive FaMUS and its training time savings?');
    expect(llm.requests.at(-1)?.path).toMatch(/chat\/completions/);
    expect(result).toMatchObject({ mode: 'refused', citations: [], passages: [] });
    expect(result.answer).toMatch(/^The language model found no answer in the passages retrieved\./);
    expect(result.answer).toContain('Faster Meta Update Strategy for Noise-Robust Deep Learning (seed-papers.jsonl:7)');
  });

  it('warns when the answer cites nothing', async () => {
    llm.enqueue({ content: 'It approximates something.' });
    const result = await assistant.ask(FAMUS);
    expect(result.mode).toBe('llm');
    expect(result.warnings).toEqual([expect.stringMatching(/cites none of the passages/)]);
  });

  it('falls back to an extractive answer with a one-line notice when the server fails with 500', async () => {
    llm.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
    const result = await assistant.ask(FAMUS);
    expect(result.mode).toBe('extractive');
    expect(result.citations[0]?.source).toBe('seed-papers.jsonl:7');
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/language model could not answer .*extractive answer/);
    expect(result.warnings[0]).not.toContain('\n');
  });

  it('answers within the budget when rate-limited with retry-after: 120', async () => {
    llm.enqueue({ status: 429, headers: { 'retry-after': '120' } }, { content: 'A faster layer-wise approximation of the meta gradient [1].' });
    const started = Date.now();
    const result = await assistant.ask(FAMUS);
    expect(Date.now() - started).toBeLessThan(6_500);
    expect(result.mode).toBe('llm');
    expect(result.answer).toContain('[1]');
  }, 15_000);

  it('falls back to an extractive answer when the body is malformed', async () => {
    llm.enqueue({ malformed: true });
    const result = await assistant.ask(FAMUS);
    expect(result.mode).toBe('extractive');
    expect(result.warnings[0]).toMatch(/language model could not answer/);
  });

  it('streams deltas before the checked answer', async () => {
    llm.enqueue({ content: 'FaMUS approximates the meta gradient [1] cheaply [7].' });
    const events: string[] = [];
    let final = '';
    for await (const event of assistant.stream(FAMUS)) {
      events.push(event.type);
      if (event.type === 'done') final = event.result.answer;
    }
    expect(events[0]).toBe('retrieved');
    expect(events.filter((e) => e === 'delta').length).toBeGreaterThan(1);
    expect(events.at(-1)).toBe('done');
    expect(final).toBe('FaMUS approximates the meta gradient [1] cheaply.');
  });

  it('refuses an off-topic question without any request to the server', async () => {
    const before = llm.requests.length;
    const result = await assistant.ask('What is the capital of Australia?');
    expect(result.mode).toBe('refused');
    expect(llm.requests.length).toBe(before);
  });
});
