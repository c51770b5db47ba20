/**
 * Discord's sharding rules, for the fake's gateway: which shard a guild belongs to, whether an IDENTIFY's
 * `shard` is one Discord accepts, and which guild an event is about (so it reaches only that guild's shard).
 * https://discord.com/developers/docs/events/gateway#sharding
 */

/** A session's `[shard_id, num_shards]`; a session that sent none is `[0, 1]`, as on Discord. */
export type ShardPair = readonly [id: number, count: number];

/** Discord's formula: `shard_id = (guild_id >> 22) % num_shards`. */
export function shardOfGuild(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

/** The IDENTIFY's `shard`, `[0, 1]` when absent, or null when Discord would close the connection with 4010 Invalid shard. */
export function identifiedShard(value: unknown): ShardPair | null {
  if (value === undefined) return [0, 1];
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [id, count] = value as unknown[];
  if (!Number.isInteger(id) || !Number.isInteger(count)) return null;
  const [i, n] = [id as number, count as number];
  return n >= 1 && i >= 0 && i < n ? [i, n] : null;
}

/**
 * The guild an event is about (`guild_id`; a GUILD_* event's own `id`), or null for one that is not about a
 * guild (a DM, a user install's private channel): Discord sends those to shard 0 only.
 */
export function guildOfEvent(event: string, data: unknown): string | null {
  if (typeof data !== 'object' || data === null) return null;
  const fields = data as { guild_id?: unknown; id?: unknown };
  if (typeof fields.guild_id === 'string') return fields.guild_id;
  if ((event === 'GUILD_CREATE' || event === 'GUILD_UPDATE' || event === 'GUILD_DELETE') && typeof fields.id === 'string') return fields.id;
  return null;
}

/** Whether the session of shard `[id, count]` receives an event about `guildId` (null: not about a guild). */
export function shardReceives([id, count]: ShardPair, guildId: string | null): boolean {
  return guildId === null ? id === 0 : shardOfGuild(guildId, count) === id;
}

/** A guild id that Discord's formula puts on shard `id` of `count` (the `n`th such id), for tests' guilds. */
export function guildIdOnShard(id: number, count: number, n = 1): string {
  return String(BigInt(n * count + id) << 22n);
}
