/**
 * Runs one bot process per shard with discord.js's ShardingManager and keeps them up: each shard is a child
 * process running src/shard-main.ts under tsx (`node --import tsx`, as npm start runs the bot), started
 * `maxConcurrency` at a time and 5.5 s apart, as Discord's identify limit asks (max_concurrency shards per 5 s).
 * A shard that dies after it had connected is started again (discord.js's Shard.spawn) after 1 s, waiting twice
 * as long each time it dies again within a minute (at most a minute), so a crashing shard does not spend the
 * day's session starts. A shard that exits 1 (it printed a sentence saying what to fix: a reset token, a
 * damaged index) or does not connect, at its first start or a restart, stops them all (exit 1) instead. On
 * `stop` every shard gets SIGTERM and shuts down as a lone bot does; one still running after its grace period
 * and 10 s more is killed.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ShardingManager, type Shard } from 'discord.js';
import type { Logger } from '../core/logger.ts';
import { describeForLog } from '../core/redact-secrets.ts';

const SHARD_ENTRY = fileURLToPath(new URL('../shard-main.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');
const IDENTIFY_WINDOW_MS = 5_500;
/** A shard opens the index and loads the model before it connects. */
const READY_TIMEOUT_MS = 120_000;
const RESPAWN_DELAY_MS = 1_000;
const MAX_RESPAWN_DELAY_MS = 60_000;
/** Past this, a shard that dies was up long enough that its restart waits RESPAWN_DELAY_MS again. */
const STABLE_MS = 60_000;
/** After the grace period, the time a shard has left to post its "interrupted" notices and disconnect. */
const STOP_MARGIN_MS = 10_000;

export interface ShardPlan {
  /** Shards to run (ids 0 … count-1). */
  count: number;
  /** What Discord recommends (GET /gateway/bot `shards`). */
  recommended: number;
  /** Shards that may identify in the same 5 s (`session_start_limit.max_concurrency`). */
  maxConcurrency: number;
}

export interface SuperviseOptions {
  token: string;
  plan: ShardPlan;
  logger: Logger;
  /** Each shard's SHUTDOWN_GRACE_MS. */
  graceMs: number;
  /** Aborted on SIGINT/SIGTERM. */
  stop: AbortSignal;
  /** The script each shard process runs (default SHARD_ENTRY; tests give a stand-in). */
  entry?: string;
}

/** Resolves with the exit code once every shard has stopped: 0 after `stop` when all stopped cleanly, else 1. */
export async function superviseShards({ token, plan, logger, graceMs, stop, entry = SHARD_ENTRY }: SuperviseOptions): Promise<number> {
  const ids = Array.from({ length: plan.count }, (_, i) => i);
  const manager = new ShardingManager(entry, { totalShards: plan.count, shardList: ids, mode: 'process', respawn: false, execArgv: ['--import', TSX_LOADER], token });
  const secrets = [token];
  let ending = false;
  let failed = false;
  const failure = new AbortController();
  const fail = (): void => {
    failed = true;
    failure.abort();
  };
  const timers = new Set<NodeJS.Timeout>();
  const lives = new Map<number, { spawnedAt: number; delayMs: number; connected: boolean }>();

  const start = async (shard: Shard): Promise<void> => {
    const life = lives.get(shard.id) ?? { spawnedAt: 0, delayMs: RESPAWN_DELAY_MS, connected: false };
    // Each life must connect again: one that dies before it does stops them all, as at the first start.
    lives.set(shard.id, { ...life, spawnedAt: Date.now(), connected: false });
    try {
      await shard.spawn(READY_TIMEOUT_MS);
    } catch (error) {
      if (ending) return;
      // A death is the death listener's to judge; a timeout means the shard cannot connect.
      if (shard.process === null) return;
      logger.error({ shard: shard.id, err: describeForLog(error, secrets) }, `shard ${shard.id} did not connect to Discord: stopping every shard`);
      fail();
    }
  };

  const onDeath = (shard: Shard, child: ChildProcess): void => {
    if (ending) return;
    const { exitCode: code, signalCode: signal } = child;
    const life = lives.get(shard.id);
    if (code === 1 || life?.connected !== true) {
      logger.error({ shard: shard.id, code, signal }, `shard ${shard.id} stopped before it could answer (its reason is logged above): stopping every shard`);
      fail();
      return;
    }
    const delayMs = Date.now() - life.spawnedAt >= STABLE_MS ? RESPAWN_DELAY_MS : life.delayMs;
    lives.set(shard.id, { ...life, delayMs: Math.min(MAX_RESPAWN_DELAY_MS, delayMs * 2) });
    logger.warn({ shard: shard.id, code, signal, restartInMs: delayMs }, `shard ${shard.id} died: starting it again`);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!ending) void start(shard);
    }, delayMs);
    timers.add(timer);
  };

  for (const id of ids) {
    const shard = manager.createShard(id);
    // mode 'process': each shard is a ChildProcess, never a Worker.
    shard.on('spawn', (child) => logger.info({ shard: id, pid: (child as ChildProcess).pid }, `shard ${id} of ${plan.count} started`));
    shard.on('ready', () => {
      const life = lives.get(id);
      if (life) life.connected = true;
    });
    shard.on('death', (child) => onDeath(shard, child as ChildProcess));
    shard.on('error', (error: unknown) => logger.error({ shard: id, err: describeForLog(error, secrets) }, `shard ${id} failed`));
  }

  const ended = AbortSignal.any([stop, failure.signal]);
  const endedNow = ended.aborted ? Promise.resolve() : once(ended, 'abort').then(() => undefined);
  const shards = [...manager.shards.values()];
  for (let first = 0; first < shards.length && !ended.aborted; first += plan.maxConcurrency) {
    if (first > 0) await sleep(IDENTIFY_WINDOW_MS, undefined, { signal: ended }).catch(() => undefined);
    // A stop signal while shards are still loading is not kept waiting until they connect.
    if (!ended.aborted) await Promise.race([Promise.all(shards.slice(first, first + plan.maxConcurrency).map(start)), endedNow]);
  }
  if (!ended.aborted) logger.info({ shards: plan.count }, `all ${plan.count} shards are connected`);
  await endedNow;

  ending = true;
  for (const timer of timers) clearTimeout(timer);
  const clean = await stopAll(shards, graceMs + STOP_MARGIN_MS, logger);
  return failed || !clean ? 1 : 0;
}

/** SIGTERM to every shard's process; true when all exited 0 (or died of that SIGTERM before setting up) in time. */
async function stopAll(shards: readonly Shard[], timeoutMs: number, logger: Logger): Promise<boolean> {
  const children = shards.map((shard) => shard.process).filter((child): child is ChildProcess => child !== null);
  const exits = children.map((child) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child) : once(child, 'exit').then(() => child),
  );
  for (const child of children) child.kill('SIGTERM');
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  try {
    await Promise.race([Promise.all(exits), once(timeout.signal, 'abort')]);
  } finally {
    clearTimeout(timer);
  }
  const stuck = children.filter((child) => child.exitCode === null && child.signalCode === null);
  if (stuck.length > 0) {
    logger.warn({ pids: stuck.map((child) => child.pid) }, 'shards still running after the grace period: killing them');
    for (const child of stuck) child.kill('SIGKILL');
    await Promise.all(exits);
  }
  return stuck.length === 0 && children.every((child) => child.exitCode === 0 || child.signalCode === 'SIGTERM');
}
