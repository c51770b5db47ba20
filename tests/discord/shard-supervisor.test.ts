/**
 * The shard supervisor's restarts end: a shard that connected, died, and then dies again before it connects
 * (a crash at start-up after a restart) stops every shard with exit 1, as at the first start, instead of being
 * started again forever (once a minute at most, spending Discord's daily session starts). The shard is a stand-in
 * process (tests/support/crashing-shard.ts) speaking discord.js's IPC ready message: what is tested is the
 * supervisor, not a bot.
 */
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { superviseShards } from '../../src/discord/shard-supervisor.ts';

const ENTRY = fileURLToPath(new URL('../support/crashing-shard.ts', import.meta.url));
/** Where the stand-in counts its lives: named for its parent, this process. */
const livesFile = (pid: number): string => path.join(os.tmpdir(), `paperbot-crashing-shard-${pid}`);

afterAll(() => rmSync(livesFile(process.pid), { force: true }));

describe('the shard supervisor', () => {
  it('stops every shard (exit 1) when a restarted shard dies before it connects, after one restart', async () => {
    rmSync(livesFile(process.pid), { force: true });
    const lines: string[] = [];
    const record = (_fields: unknown, msg: string): void => void lines.push(msg);
    const logger: Logger = { ...silentLogger, info: record, warn: record, error: record, child: () => logger };
    const code = await superviseShards({ token: 'test-token', plan: { count: 1, recommended: 1, maxConcurrency: 1 }, logger, graceMs: 500, stop: new AbortController().signal, entry: ENTRY });
    expect(code).toBe(1);
    expect(existsSync(livesFile(process.pid))).toBe(true);
    expect(lines.filter((l) => l === 'shard 0 of 1 started')).toHaveLength(2);
    expect(lines).toContain('shard 0 died: starting it again');
    expect(lines).toContain('shard 0 stopped before it could answer (its reason is logged above): stopping every shard');
  }, 60_000);
});
