/**
 * The contract of core's GuildSettingsStore (what /settings saves), run with the other state stores'
 * (state-stores.contract.ts) against SQLite and PostgreSQL: a server's settings are replaced whole, read
 * back as saved, kept across reopening, and a server that never saved any has none (the defaults hold).
 */
import { expect, it } from 'vitest';
import type { StateBackend } from './state-stores.contract.ts';

export function guildSettingsStoreContract(backend: StateBackend): void {
  it('the settings store keeps a server’s settings, replaced whole, across reopening', async () => {
    const db = await backend.open();
    expect(await db.guildSettings.get('g1')).toBeUndefined();
    const settings = { guildId: 'g1', answersPrivate: true, mentionChannels: ['c1', 'c2'], digestTimeZone: 'Europe/Berlin', updatedBy: 'u1', updatedAt: '2026-12-01T10:00:00.000Z' };
    await db.guildSettings.save(settings);
    expect(await db.guildSettings.get('g1')).toEqual(settings);
    await db.guildSettings.save({ ...settings, mentionChannels: null, answersPrivate: false });
    await db.close();
    const reopened = await backend.open();
    expect(await reopened.guildSettings.get('g1')).toEqual({ ...settings, mentionChannels: null, answersPrivate: false });
    expect(await reopened.guildSettings.get('g2')).toBeUndefined();
    await reopened.close();
  });
}
