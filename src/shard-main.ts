/**
 * What each shard process runs: discord.js's ShardingManager (src/discord/run-shards.ts) forks this file with
 * SHARDS and SHARD_COUNT in its environment, which discord.js's Client reads, so this is the normal bot
 * (src/discord/run-bot.ts) for that one shard, without the data folder's lock, which its parent holds.
 */
import { runMain } from './cli/run-main.ts';
import { botCommand } from './discord/run-bot.ts';

await runMain((context) => botCommand(context, process, { shard: true }), { defaultLogLevel: () => 'info' });
