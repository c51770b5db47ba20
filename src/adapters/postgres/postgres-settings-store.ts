/**
 * Per-server settings in PostgreSQL's `guild_settings` table (core's GuildSettingsStore; the SQLite one is
 * src/adapters/store/sqlite-settings-store.ts, under the same contract tests): one row per server that
 * changed any, replaced whole by one upsert.
 */
import type { GuildSettings, GuildSettingsStore } from '../../core/settings/guild-settings.ts';
import type { PostgresPool } from './postgres-pool.ts';

interface Row {
  guildId: string;
  answersPrivate: boolean;
  mentionChannels: string[] | null;
  digestTimeZone: string | null;
  updatedBy: string;
  updatedAt: Date;
}

export class PostgresSettingsStore implements GuildSettingsStore {
  constructor(private readonly pool: PostgresPool) {}

  async get(guildId: string): Promise<GuildSettings | undefined> {
    const [row] = await this.pool.query<Row>(
      `SELECT guild_id AS "guildId", answers_private AS "answersPrivate", mention_channels AS "mentionChannels", digest_time_zone AS "digestTimeZone",
              updated_by AS "updatedBy", updated_at AS "updatedAt" FROM guild_settings WHERE guild_id = $1`,
      [guildId],
    );
    if (row === undefined) return undefined;
    return { ...row, updatedAt: row.updatedAt.toISOString() };
  }

  async save(settings: GuildSettings): Promise<void> {
    await this.pool.query(
      `INSERT INTO guild_settings (guild_id, answers_private, mention_channels, digest_time_zone, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (guild_id) DO UPDATE SET answers_private = excluded.answers_private, mention_channels = excluded.mention_channels,
         digest_time_zone = excluded.digest_time_zone, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      [
        settings.guildId,
        settings.answersPrivate,
        settings.mentionChannels === null ? null : JSON.stringify(settings.mentionChannels),
        settings.digestTimeZone,
        settings.updatedBy ?? '',
        settings.updatedAt ?? new Date(0).toISOString(),
      ],
    );
  }
}
