/**
 * Issue 11 §5, as real processes (the process is what is tested): `npm start` with DISCORD_TOKEN takes
 * DATA_DIR/bot.lock, so a second bot on the same data folder (an overlapping restart) refuses to start in one
 * sentence naming the first one's pid instead of answering every mention a second time. `kill -9` of the
 * started process leaves no bot running (npm start is `node --import tsx src/main.ts`: the bot is that process,
 * not a child of it). Taking a stale lock over and removing it on shutdown are tested in process
 * (data-folder-lock.test.ts): a third bot start would cost this file another start-up.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { runCommand } from '../../src/cli/run-main.ts';
import { botCommand, type BotProcess } from '../../src/discord/run-bot.ts';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.ts';
import { saidOnStderr, waitUntil, type ScriptProcess } from '../support/script-process.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';
import { TOKEN } from '../discord/harness.ts';

let ws: Workspace;
let fake: FakeDiscord;
const children: ScriptProcess[] = [];

beforeAll(async () => {
  ws = await makeWorkspace();
  fake = await startFakeDiscord({ token: TOKEN, guilds: [{ id: '1', name: 'Paper Club' }] });
  // Built once here, so that each bot below starts on an index that is there.
  expect((await ws.run('index')).code).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const child of children) await child.killGroup();
  await fake?.close();
  await ws?.cleanup();
});

function startBot(): ScriptProcess {
  const bot = ws.start('main', [], { env: { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl, SHUTDOWN_GRACE_MS: '500', LOG_LEVEL: 'info' } });
  children.push(bot);
  return bot;
}

/** Whether any process of the group `pgid` (a started script and whatever it started) is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    return false;
  }
}

describe('one bot per data folder', () => {
  it('refuses a second bot naming the first one\'s pid; kill -9 of the started process leaves no bot running', async () => {
    const lock = path.join(ws.dataDir, 'bot.lock');
    const first = startBot();
    await first.waitForStderr('paperbot is answering on Discord', 60_000);
    const pid = first.child.pid as number;
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(pid));

    const second = startBot();
    const refused = await second.waitForExit(60_000);
    expect(refused.code, second.stderr()).toBe(1);
    const sentence = saidOnStderr(second.stderr());
    expect(sentence).toEqual([expect.stringMatching(new RegExp(`^Another paperbot bot \\(process ${pid}\\) is running on .*data: stop it first, since two bots on one data folder answer every mention twice`))]);
    expect(fake.gatewayLog.filter((frame) => frame.op === 2)).toHaveLength(1);

    // kill -9 of the process npm start started, not of its group: nothing of the bot may live on.
    process.kill(pid, 'SIGKILL');
    await first.exited;
    await waitUntil(() => !groupAlive(pid), 'every process of the killed bot to be gone', { timeoutMs: 5_000 });
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(pid));

  }, 90_000);

  it('takes the lock for as long as the bot runs and removes it when the bot stops (in process: a stop signal right away)', async () => {
    const lock = path.join(ws.dataDir, 'bot.lock');
    let heldWhileRunning = false;
    const proc: BotProcess = {
      once: (_event, stop) => stop(),
      on: () => (heldWhileRunning = readFileSync(lock, 'utf8').trim() === String(process.pid)),
      off: () => undefined,
    };
    const code = await runCommand((context) => botCommand(context, proc), {
      argv: [],
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
      readConfig: () => parseConfig({ ...ws.env, DISCORD_TOKEN: TOKEN, DISCORD_API_URL: fake.apiUrl }, ws.dir),
      makeLogger: () => silentLogger,
    });
    expect(code).toBe(0);
    expect(heldWhileRunning).toBe(true);
    expect(existsSync(lock)).toBe(false);
  }, 30_000);
});
