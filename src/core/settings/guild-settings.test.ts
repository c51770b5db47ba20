import { describe, expect, it } from 'vitest';
import { answersMentionsIn, applySettingsChange, defaultGuildSettings, MAX_MENTION_CHANNELS, settingsFor, type GuildSettingsStore } from './guild-settings.ts';

const NOW = new Date('2026-12-01T10:00:00Z');

describe('server settings', () => {
  it('answers mentions everywhere until a channel is listed; a thread goes by its parent channel', () => {
    const all = defaultGuildSettings('g');
    expect(answersMentionsIn(all, 'c1', null)).toBe(true);
    const { settings } = applySettingsChange(all, { addMentionChannel: 'c1' }, 'u', NOW);
    expect(answersMentionsIn(settings, 'c1', null)).toBe(true);
    expect(answersMentionsIn(settings, 'c2', null)).toBe(false);
    expect(answersMentionsIn(settings, 'thread', 'c1')).toBe(true);
    expect(answersMentionsIn(settings, 'thread', 'c2')).toBe(false);
  });

  it('removing the last listed channel, or mentionsEverywhere, goes back to every channel, with a note for the former', () => {
    const one = applySettingsChange(defaultGuildSettings('g'), { addMentionChannel: 'c1' }, 'u', NOW).settings;
    const removed = applySettingsChange(one, { removeMentionChannel: 'c1' }, 'u', NOW);
    expect(removed.settings.mentionChannels).toBeNull();
    expect(removed.notes).toEqual(['That was the last listed channel: mentions are answered in every channel again.']);
    expect(applySettingsChange(one, { mentionsEverywhere: true }, 'u', NOW).settings.mentionChannels).toBeNull();
  });

  it(`keeps a list at ${MAX_MENTION_CHANNELS} channels and says so`, () => {
    let s = defaultGuildSettings('g');
    for (let i = 0; i < MAX_MENTION_CHANNELS; i += 1) s = applySettingsChange(s, { addMentionChannel: `c${i}` }, 'u', NOW).settings;
    const over = applySettingsChange(s, { addMentionChannel: 'extra' }, 'u', NOW);
    expect(over.settings.mentionChannels).toHaveLength(MAX_MENTION_CHANNELS);
    expect(over.notes[0]).toMatch(/^At most 50 channels/);
  });

  it('changes only what was given, recording who and when', () => {
    const s = applySettingsChange({ ...defaultGuildSettings('g'), digestTimeZone: 'Europe/Berlin' }, { answersPrivate: true }, 'u1', NOW).settings;
    expect(s).toEqual({ guildId: 'g', answersPrivate: true, mentionChannels: null, digestTimeZone: 'Europe/Berlin', updatedBy: 'u1', updatedAt: '2026-12-01T10:00:00.000Z' });
    expect(applySettingsChange(s, { digestTimeZone: null }, 'u2', NOW).settings.digestTimeZone).toBeNull();
  });

  it('holds the defaults in DMs and for servers that never changed anything', async () => {
    const store: GuildSettingsStore = { get: async () => undefined, save: () => {} };
    expect(await settingsFor(store, null)).toMatchObject({ answersPrivate: false, mentionChannels: null });
    expect(await settingsFor(store, 'g')).toEqual(defaultGuildSettings('g'));
    expect(await settingsFor(null, 'g')).toEqual(defaultGuildSettings('g'));
  });
});
