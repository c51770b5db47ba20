import { describe, expect, it } from 'vitest';
import { StateDatabase } from './state-database.ts';
import { useTempStateFile } from './temp-state-file.fixture.ts';

const stateFile = useTempStateFile('paperbot-settings');

describe('SqliteSettingsStore', () => {
  it('stores a server’s settings, replaces them whole, and keeps them across reopening', () => {
    const db = StateDatabase.open(stateFile());
    expect(db.guildSettings.get('g1')).toBeUndefined();
    const settings = { guildId: 'g1', answersPrivate: true, mentionChannels: ['c1', 'c2'], digestTimeZone: 'Europe/Berlin', updatedBy: 'u1', updatedAt: '2026-12-01T10:00:00.000Z' };
    db.guildSettings.save(settings);
    db.guildSettings.save({ ...settings, mentionChannels: null, answersPrivate: false });
    db.close();
    const reopened = StateDatabase.open(stateFile());
    expect(reopened.guildSettings.get('g1')).toEqual({ ...settings, mentionChannels: null, answersPrivate: false });
    expect(reopened.guildSettings.get('g2')).toBeUndefined();
    reopened.close();
  });
});
