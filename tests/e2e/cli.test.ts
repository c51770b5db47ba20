/**
 * End to end, as a user runs it: `npm run index` then `npm run ask`, `chat` (the real commands, run in this
 * process with the argv, environment and streams a script would give them) on the shipped corpus in a temp
 * folder, with the project's generated test model loaded by the real transformers.js, the real hnswlib and
 * SQLite, and a fake OpenAI-compatible server on 127.0.0.1. A smoke test starts a real process: `npm start`
 * building the missing index. What must hold on every backend (the extractive FaMUS answer, the refusal
 * without an LLM call, incremental and killed builds) is in backends.test.ts, run on each.
 */
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/dev/fake-openai.ts';
import { makeWorkspace, useWorkspace, type Workspace } from '../support/workspace.ts';
import { makeModel } from '../../src/dev/test-model.ts';

const FAMUS = 'What does FaMUS approximate to save training time?';

interface AskJson {
  question: string;
  mode: 'llm' | 'extractive' | 'refused';
  answer: string;
  citations: { n: number; paperId: string; label: string; title: string | null; url: string | null; source: string }[];
  passages: { n: number; paperId: string; score: number; source: string; text: string }[];
  warnings: string[];
}

function parseOneJson(stdout: string): AskJson {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as AskJson;
}

describe('index and ask on the shipped corpus', () => {
  let ws: Workspace;
  let llm: FakeOpenAI;

  beforeAll(async () => {
    ws = await makeWorkspace();
    llm = await startFakeOpenAI();
    const first = await ws.run('index');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Indexed 11 papers');
    expect(first.stdout).toContain('embedded 11 papers');
  }, 120_000);

  afterAll(async () => {
    await llm.close();
    await ws.cleanup();
  });

  it('answers with the LLM and drops a citation the server invents', async () => {
    llm.enqueue({ content: 'FaMUS approximates the meta gradient with a faster layer-wise approximation [1], which saves training time [9].' });
    const before = llm.requests.length;
    const result = await ws.run('ask', ['--json', FAMUS], { env: { OPENAI_BASE_URL: llm.url, OPENAI_MODEL: 'fake-model' } });
    expect(result.code, result.stderr).toBe(0);
    const json = parseOneJson(result.stdout);
    expect(json.mode).toBe('llm');
    expect(json.answer).not.toContain('[9]');
    expect(json.answer).toContain('[1]');
    expect(json.citations.map((c) => c.n)).toEqual([1]);
    expect(json.citations[0]?.source).toMatch(/:7$/);
    expect(llm.requests.length).toBe(before + 1);
    const body = llm.requests.at(-1)?.body as { model: string; messages: { content: string }[] };
    expect(body.model).toBe('fake-model');
    expect(body.messages.at(-1)?.content).toContain('<passage n="1" paper="Faster Meta Update Strategy for Noise-Robust Deep Learning" source="seed-papers.jsonl:7">');
  });

  it('prints a readable answer with numbered sources without --json', async () => {
    const result = await ws.run('ask', [FAMUS]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Sources:');
    expect(result.stdout).toMatch(/\[1\] Faster Meta Update Strategy .* seed-papers\.jsonl:7/);
  });

  it('says what is wrong with a question that is too long', async () => {
    const result = await ws.run('ask', ['x'.repeat(1_500)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/1,500 characters long; the limit is 1,000/);
  });

  it('chat answers each line of piped input and exits at end of input', async () => {
    const result = await ws.run('chat', [], { stdin: `${FAMUS}\n/paper famus\n/similar FaMUS\n/nonsense\n` });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('FaMUS');
    expect(result.stdout).toContain('Faster Meta Update Strategy for Noise-Robust Deep Learning');
    expect(result.stdout).toMatch(/Papers similar to Faster Meta Update Strategy[^\n]*:\n(\s+\d\. .*\n){5}/);
    expect(result.stdout).toContain('Unknown command /nonsense');
  });

  it('chat looks papers up by their abstracts when no title, name, author or id matches, and says so', async () => {
    const result = await ws.run('chat', [], { stdin: '/paper label noise\n/similar permutation loss\n/paper zzzzqqqq\n/paper pruning\n/paper "\n/similar *\n' });
    expect(result.code, result.stderr).toBe(0);
    const [labelNoise, permutation, nothing] = result.stdout.split(/\n(?=No title|No paper)/);
    expect(labelNoise).toMatch(/^No title, method name, author or id matches "label noise"; matched by the content of the abstracts:/);
    expect(labelNoise).toContain('Faster Meta Update Strategy for Noise-Robust Deep Learning');
    expect(labelNoise).toContain('Enhancing Sharpness-Aware Optimization Through Variance Suppression');
    expect(labelNoise).toMatch(/Also matching by content: /);
    expect(permutation).toMatch(/^No title, method name, author or id matches "permutation loss"; matched by the content of the abstracts:\n\nPapers similar to Sound Source Separation/);
    expect(nothing).toMatch(/^No paper matches "zzzzqqqq", by title, method name, author, id or abstract\./);
    // The Intra-Fusion paper's verified title names pruning: a match by title, no note.
    expect(nothing).toMatch(/\nTowards Meta-Pruning via Optimal Transport\n/);
    // A quote or an asterisk alone holds no word: no paper, not the first one.
    expect(result.stdout).toContain(`No paper matches """, by title`);
    expect(result.stdout).toContain('No paper matches "*", by title');
  });
});

describe('npm start without a Discord token (smoke test: a real process)', () => {
  it('builds the missing index, then answers piped questions in the terminal chat', async () => {
    const ws = await makeWorkspace();
    try {
      const result = await ws.runProcess('main', [], { stdin: `${FAMUS}\n`, timeoutMs: 90_000 });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('No index yet: building it');
      expect(result.stderr).toContain('Indexed 11 papers');
      expect(result.stdout).toMatch(/\[1\] Faster Meta Update Strategy for Noise-Robust Deep Learning — seed-papers\.jsonl:7/);
    } finally {
      await ws.cleanup();
    }
  }, 120_000);
});

describe('bad input and missing pieces', () => {
  const workspace = useWorkspace();

  it('names the file and line of a corrupt corpus line, and stops on it with --strict', async () => {
    const ws = workspace();
    await appendFile(path.join(ws.corpusDir, 'seed-papers.jsonl'), '{"title": "Broken", "abstract": \n');
    const lenient = await ws.run('index');
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(lenient.stderr).toMatch(/seed-papers\.jsonl:12: not valid JSON/);
    expect(lenient.stdout).toContain('Indexed 11 papers');

    const strict = await ws.run('index', ['--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/seed-papers\.jsonl:12: not valid JSON/);
    expect(strict.stderr).not.toMatch(/skipped/);
  });

  it('falls back to lexical search with a warning when the model is missing, or fails with EMBEDDINGS=dense', async () => {
    const ws = workspace();
    const env = { EMBEDDING_MODEL_DIR: '', EMBEDDING_MODEL: 'nobody/no-such-model' };
    const auto = await ws.run('ask', ['--json', FAMUS], { env });
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toMatch(/WARNING: .*no-such-model.*lexical/s);
    expect(parseOneJson(auto.stdout).citations[0]?.source).toMatch(/:7$/);

    const started = Date.now();
    const dense = await ws.run('index', [], { env: { ...env, EMBEDDINGS: 'dense' } });
    expect(dense.code).toBe(1);
    expect(dense.stderr).toMatch(/no-such-model/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('tells how to rebuild when the index was made with another model', async () => {
    const ws = workspace();
    expect((await ws.run('index')).code).toBe(0);
    const other = await makeModel(path.join(ws.dir, 'other-model'), 16);
    const result = await ws.run('ask', [FAMUS], { env: { EMBEDDING_MODEL_DIR: other } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/built with local:test-model .* configured model is local:other-model .*run `npm run index`/);
  });

  it('names an unknown option and shows the usage; --help prints it all, exit code 0', async () => {
    const ws = workspace();
    const bad = await ws.run('ask', ['--jsno', FAMUS]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^Unknown option --jsno\.\nUsage: npm run ask -- \[--json\] <question>\.\.\.\n`npm run ask -- --help` says/);

    const help = await ws.run('ask', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^Usage: npm run ask -- \[--json\] <question>\.\.\.\n/);
    expect(help.stdout).toMatch(/^ {2}--json +print exactly one JSON object on stdout/m);
  });

  it('says how to build the index when there is none', async () => {
    const empty = await makeWorkspace({ model: false });
    try {
      const result = await empty.run('ask', [FAMUS], { env: { EMBEDDINGS: 'lexical' } });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/no index .* run `npm run index`/i);
    } finally {
      await empty.cleanup();
    }
  });

  it('names every bad environment variable at start with what is expected', async () => {
    const ws = workspace();
    const result = await ws.run('ask', [FAMUS], { env: { TOP_K: 'many', EMBEDDINGS: 'sometimes', OPENAI_BASE_URL: 'not a url' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/TOP_K.*whole number/);
    expect(result.stderr).toMatch(/EMBEDDINGS.*auto, dense or lexical/);
    expect(result.stderr).toMatch(/OPENAI_BASE_URL.*http\(s\) URL/);
  });
});
