/**
 * The promises that must hold whichever backend keeps the data, written once and run on each: `npm run
 * index` then `ask --json` on the shipped corpus (the extractive FaMUS answer citing seed-papers.jsonl:7, an
 * off-topic question refused without calling the language model), incremental builds (only new or changed
 * papers embedded), a build killed half way (the previous build keeps answering, the next build completes),
 * and a 👍 in Discord stored in the state. The commands are the real ones (in this process, as the scripts run
 * them; the killed build is a real process), the bot the real discord.js client against the fake Discord.
 * A backend differs only in what it starts and the environment the commands get (BACKENDS below).
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InteractionType, MessageFlags } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../src/dev/fake-openai.ts';
import { syntheticAbstracts } from '../../src/dev/synthetic-corpus.ts';
import { askSlash, buttonsOf, startHarness } from '../discord/harness.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';

const FAMUS = 'What does FaMUS approximate to save training time?';
const AUSTRALIA = 'What is the capital of Australia?';

/** What a backend needs running, and how a test tells which build answers (to see that a killed build changed nothing). */
interface RunningBackend {
  /** Added to the environment of every command and of the bot. */
  env: Record<string, string>;
  /** The build that answers now. */
  currentBuild(ws: Workspace): Promise<string | null>;
  /** What is left of builds that did not finish (none after a completed build). */
  unfinishedBuilds(ws: Workspace): Promise<string[]>;
  close(): Promise<void>;
}

interface Backend {
  name: string;
  start(): Promise<RunningBackend>;
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite and hnswlib',
    start: async () => ({
      env: {},
      currentBuild: (ws) => readFile(path.join(ws.dataDir, 'index', 'CURRENT'), 'utf8'),
      unfinishedBuilds: async (ws) => (await readdir(path.join(ws.dataDir, 'index', 'builds'))).filter((d) => d.endsWith('.partial')),
      close: async () => {},
    }),
  },
];

interface AskJson {
  mode: 'llm' | 'extractive' | 'refused';
  answer: string;
  citations: { n: number; title: string | null; source: string }[];
  passages: { n: number }[];
}

function parseOneJson(stdout: string): AskJson {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as AskJson;
}

describe.each(BACKENDS)('on $name', (backend) => {
  let running: RunningBackend;
  let ws: Workspace;
  let llm: FakeOpenAI;

  beforeAll(async () => {
    [running, ws, llm] = await Promise.all([backend.start(), makeWorkspace(), startFakeOpenAI()]);
    const first = await ws.run('index', [], { env: running.env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Indexed 11 papers');
    expect(first.stdout).toContain('embedded 11 papers');
  }, 120_000);

  afterAll(async () => {
    await llm?.close();
    await ws?.cleanup();
    await running?.close();
  });

  it('answers extractively with no LLM configured, citing the FaMUS paper (line 7) first', async () => {
    const result = await ws.run('ask', ['--json', FAMUS], { env: running.env });
    expect(result.code, result.stderr).toBe(0);
    const json = parseOneJson(result.stdout);
    expect(json.mode).toBe('extractive');
    expect(json.citations[0]?.source).toBe('seed-papers.jsonl:7');
    expect(json.citations[0]?.title).toBe('Faster Meta Update Strategy for Noise-Robust Deep Learning');
    expect(json.answer).toContain('FaMUS');
    for (const c of json.citations) expect(json.passages.map((p) => p.n)).toContain(c.n);
  });

  it('refuses an off-topic question without calling the LLM, naming no citations', async () => {
    const before = llm.requests.length;
    const result = await ws.run('ask', ['--json', AUSTRALIA], { env: { ...running.env, OPENAI_BASE_URL: llm.url } });
    expect(result.code, result.stderr).toBe(0);
    const json = parseOneJson(result.stdout);
    expect(json.mode).toBe('refused');
    expect(json.citations).toEqual([]);
    expect(json.answer).toMatch(/do not seem to cover/);
    expect(llm.requests.length).toBe(before);
  });

  it('embeds nothing when nothing changed, exactly the paper that was added, and drops the one removed', async () => {
    const again = await ws.run('index', [], { env: running.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('embedded 0 papers');

    const [extra] = syntheticAbstracts(1, { seed: 7 });
    await writeFile(path.join(ws.corpusDir, 'extra.txt'), `${extra}\n`);
    const added = await ws.run('index', [], { env: running.env });
    expect(added.stdout).toContain('1 added');
    expect(added.stdout).toContain('embedded 1 paper (1 passage)');
    expect(added.stdout).toContain('Indexed 12 papers');

    await writeFile(path.join(ws.corpusDir, 'extra.txt'), '');
    const removed = await ws.run('index', [], { env: running.env });
    expect(removed.stdout).toContain('1 removed');
    expect(removed.stdout).toContain('embedded 0 papers');
    expect(removed.stdout).toContain('Indexed 11 papers');
  }, 120_000);

  it('keeps the previous index answering when a build is killed half way (a real process, SIGKILL)', async () => {
    const current = await running.currentBuild(ws);
    expect(current).not.toBeNull();
    await writeFile(path.join(ws.corpusDir, 'big.txt'), `${syntheticAbstracts(6_000, { seed: 3 }).join('\n')}\n`);

    const build = ws.start('index', [], { env: running.env });
    await build.waitForStderr(/embedding [1-9]\d*\/6000/, 60_000);
    await build.killGroup();
    expect((await build.exited).signal).toBe('SIGKILL');

    expect(await running.currentBuild(ws)).toBe(current);
    const answer = await ws.run('ask', ['--json', FAMUS], { env: running.env });
    expect(answer.code, answer.stderr).toBe(0);
    expect(parseOneJson(answer.stdout).citations[0]?.source).toBe('seed-papers.jsonl:7');

    // The next build cleans up the killed one's leftovers and completes.
    await writeFile(path.join(ws.corpusDir, 'big.txt'), `${syntheticAbstracts(50, { seed: 3 }).join('\n')}\n`);
    const next = await ws.run('index', [], { env: running.env });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('Indexed 61 papers');
    expect(await running.unfinishedBuilds(ws)).toEqual([]);
  }, 180_000);

  it('stores the answer and a 👍 pressed on it in Discord', async () => {
    const h = await startHarness({ llm: false, env: running.env });
    try {
      const { final } = await askSlash(h.fake, FAMUS);
      const up = buttonsOf(final).find((b) => b.custom_id?.startsWith('feedback:up:') ?? false);
      const customId = up?.custom_id ?? '';
      const answerId = customId.split(':')[2] ?? '';
      const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId, messageId: (final.response as { id: string }).id, user: { id: '4242', username: 'carol' } });
      const ack = await h.fake.waitForCall({ interactionId: press.id });
      expect(ack.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringContaining('👍 is recorded') });
      expect(await h.state.feedback.votes(answerId)).toEqual([expect.objectContaining({ answerId, userId: '4242', vote: 'up' })]);
      expect(await h.state.feedback.getAnswer(answerId)).toMatchObject({ question: FAMUS, source: 'slash', mode: 'extractive' });
    } finally {
      await h.close();
    }
  }, 120_000);
});
