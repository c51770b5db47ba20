/**
 * Which shards this process's Discord client runs. Unsharded, one process runs shard 0 of 1; a process that
 * discord.js's ShardingManager started runs the shard its Client read from the SHARDS and SHARD_COUNT the
 * manager gave it. What must happen once per bot, not once per shard (the daily arXiv fetch), runs in the
 * process of shard 0.
 */
import type { Client } from 'discord.js';

interface ShardIds {
  ids: number[];
  count: number;
}

function shardsOf(client: Client): ShardIds {
  const { shards, shardCount } = client.options;
  // discord.js turns `shards` into a list in its constructor; 'auto' (which paperbot never passes) is resolved at login.
  const ids = Array.isArray(shards) ? [...shards] : typeof shards === 'number' ? [shards] : [0];
  return { ids, count: shardCount ?? 1 };
}

/** Whether the jobs done once per bot run here: unsharded, or in shard 0's process. */
export function runsShardZero(client: Client): boolean {
  return shardsOf(client).ids.includes(0);
}

/** Log fields naming the shard when sharded (`shard: 1, shardCount: 2`); nothing for one unsharded process. */
export function shardLogFields(client: Client): { shard?: number | number[]; shardCount?: number } {
  const { ids, count } = shardsOf(client);
  return count > 1 ? { shard: ids.length === 1 ? (ids[0] as number) : ids, shardCount: count } : {};
}
