/**
 * Per-server settings in the state database's `guild_settings` table (core's GuildSettingsStore on SQLite):
 * one row per server that changed any, the mention channels as a JSON array (NULL: every channel). Built
 * by StateDatabase on its connection.
 */
import type Database from 'better-sqlite3';
import type { GuildSettings, GuildSettingsStore } from '../../core/settings/guild-settings.ts';

interface Row {
  guildId: string;
  answersPrivate: number;
  mentionChannels: string | null;
  digestTimeZone: string | null;
  updatedBy: string;
  updatedAt: string;
}

export class SqliteSettingsStore implements GuildSettingsStore {
  private readonly select: Database.Statement<[string], Row>;
  private readonly upsert: Database.Statement<[string, number, string | null, string | null, string, string]>;

  constructor(db: Database.Database) {
    this.select = db.prepare<[string], Row>(
      `SELECT guild_id AS guildId, answers_private AS answersPrivate, mention_channels AS mentionChannels, digest_time_zone AS digestTimeZone,
              updated_by AS updatedBy, updated_at AS updatedAt FROM guild_settings WHERE guild_id = ?`,
    );
    this.upsert = db.prepare<[string, number, string | null, string | null, string, string]>(
      `INSERT INTO guild_settings (guild_id, answers_private, mention_channels, digest_time_zone, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (guild_id) DO UPDATE SET answers_private = excluded.answers_private, mention_channels = excluded.mention_channels,
         digest_time_zone = excluded.digest_time_zone, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    );
  }

  get(guildId: string): GuildSettings | undefined {
    const row = this.select.get(guildId);
    if (row === undefined) return undefined;
    return {
      guildId: row.guildId,
      answersPrivate: row.answersPrivate === 1,
      mentionChannels: row.mentionChannels === null ? null : (JSON.parse(row.mentionChannels) as string[]),
      digestTimeZone: row.digestTimeZone,
      updatedBy: row.updatedBy,
      updatedAt: row.updatedAt,
    };
  }

  save(settings: GuildSettings): void {
    this.upsert.run(
      settings.guildId,
      settings.answersPrivate ? 1 : 0,
      settings.mentionChannels === null ? null : JSON.stringify(settings.mentionChannels),
      settings.digestTimeZone,
      settings.updatedBy ?? '',
      settings.updatedAt ?? new Date(0).toISOString(),
    );
  }
}
