/**
 * A server's own paperbot settings, chosen with `/settings` by members with Manage Server: whether answers
 * are public or private by default, which channels mentions are answered in (none listed: every channel the
 * bot can see), and the default time zone of `/digest subscribe`. `GuildSettingsStore` is the port (SQLite:
 * src/adapters/store/sqlite-settings-store.ts); the rest is pure. Outside a server (DMs) the defaults hold.
 */
import type { Awaitable } from '../awaitable.ts';

export interface GuildSettings {
  guildId: string;
  /** `/ask` and its modal answer privately unless `private:` says otherwise. */
  answersPrivate: boolean;
  /** The channels mentions are answered in (a thread counts as its parent channel); null: every channel. */
  mentionChannels: string[] | null;
  /** IANA zone `/digest subscribe` uses when none is given; null: the zone must be given. */
  digestTimeZone: string | null;
  /** Who changed them last, and when (ISO); null for the defaults. */
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface GuildSettingsStore {
  /** The server's settings; undefined when it never changed any. */
  get(guildId: string): Awaitable<GuildSettings | undefined>;
  /** Stores the server's whole settings, replacing what it had. */
  save(settings: GuildSettings): Awaitable<void>;
}

/** Most channels a server lists for mentions: enough for a research server, few enough to show in one reply. */
export const MAX_MENTION_CHANNELS = 50;

export function defaultGuildSettings(guildId: string): GuildSettings {
  return { guildId, answersPrivate: false, mentionChannels: null, digestTimeZone: null, updatedBy: null, updatedAt: null };
}

/** The settings that hold for an interaction or message: the server's, or the defaults (a DM, or no store). */
export async function settingsFor(store: GuildSettingsStore | null, guildId: string | null): Promise<GuildSettings> {
  if (guildId === null) return defaultGuildSettings('');
  return (store === null ? undefined : await store.get(guildId)) ?? defaultGuildSettings(guildId);
}

/** Whether a mention in `channelId` (or in a thread of `parentId`) is answered. */
export function answersMentionsIn(settings: Pick<GuildSettings, 'mentionChannels'>, channelId: string, parentId: string | null): boolean {
  if (settings.mentionChannels === null) return true;
  return settings.mentionChannels.includes(channelId) || (parentId !== null && settings.mentionChannels.includes(parentId));
}

export interface SettingsChange {
  answersPrivate?: boolean;
  /** A channel to answer mentions in (the list starts empty, so from then on only listed channels are). */
  addMentionChannel?: string;
  removeMentionChannel?: string;
  /** Back to answering mentions in every channel. */
  mentionsEverywhere?: boolean;
  digestTimeZone?: string | null;
}

/**
 * The settings after `change`, by `userId` at `now`. Throws nothing; a channel list that would pass
 * MAX_MENTION_CHANNELS keeps its size and says so in `notes`, as does removing the last listed channel.
 */
export function applySettingsChange(current: GuildSettings, change: SettingsChange, userId: string, now: Date): { settings: GuildSettings; notes: string[] } {
  const notes: string[] = [];
  let channels = current.mentionChannels;
  if (change.mentionsEverywhere === true) channels = null;
  if (change.addMentionChannel !== undefined && !(channels ?? []).includes(change.addMentionChannel)) {
    if ((channels ?? []).length >= MAX_MENTION_CHANNELS) notes.push(`At most ${MAX_MENTION_CHANNELS} channels can be listed; <#${change.addMentionChannel}> was not added.`);
    else channels = [...(channels ?? []), change.addMentionChannel];
  }
  if (change.removeMentionChannel !== undefined && channels !== null) {
    const rest = channels.filter((c) => c !== change.removeMentionChannel);
    if (rest.length === 0) notes.push('That was the last listed channel: mentions are answered in every channel again.');
    channels = rest.length === 0 ? null : rest;
  }
  return {
    settings: {
      guildId: current.guildId,
      answersPrivate: change.answersPrivate ?? current.answersPrivate,
      mentionChannels: channels,
      digestTimeZone: change.digestTimeZone === undefined ? current.digestTimeZone : change.digestTimeZone,
      updatedBy: userId,
      updatedAt: now.toISOString(),
    },
    notes,
  };
}
