/**
 * `/settings` end to end against the fake Discord (real discord.js client): shown without options, changed
 * with them by members with Manage Server only, stored in the state database (so a restart keeps them), and
 * obeyed by /ask (public or private by default, the modal too), by mentions (which channels) and by
 * `/digest subscribe` (the server's default time zone).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InteractionResponseType, MessageFlags, PermissionFlagsBits } from 'discord.js';
import { askSlash, type Harness, useHarness } from './harness.ts';
import type { OptionValue, RecordedCall } from '../support/fake-discord.ts';

const ADMIN = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.UseApplicationCommands | PermissionFlagsBits.ManageGuild;
let h: Harness;
useHarness({}, {
  started: (started) => {
    h = started;
  },
});

afterEach(async () => {
  // Each test starts from the defaults.
  await settings({ answers: 'public', mentions_everywhere: true, digest_timezone: 'none' });
});

async function settings(options: Record<string, OptionValue> = {}, admin = true): Promise<RecordedCall> {
  const ix = await h.fake.interaction({ name: 'settings', options, ...(admin ? { memberPermissions: ADMIN } : {}) });
  return h.fake.waitForCall({ interactionId: ix.id });
}

const ephemeral = (call: RecordedCall | undefined): boolean => ((call?.callback?.data?.flags ?? call?.message?.flags ?? 0) & MessageFlags.Ephemeral) !== 0;

describe('/settings', () => {
  it('is registered for servers only, for Manage Server by default', () => {
    const command = h.fake.commands('1').find((c) => c.name === 'settings');
    expect(command?.contexts).toEqual([0]);
    expect(command?.default_member_permissions).toBe(PermissionFlagsBits.ManageGuild.toString());
  });

  it('without options shows the settings, privately: the defaults at first', async () => {
    const reply = await settings();
    expect(ephemeral(reply)).toBe(true);
    expect(reply.message?.content).toContain('Answers to `/ask`: **public** by default');
    expect(reply.message?.content).toContain('Mentions answered in: every channel I can see');
    expect(reply.message?.content).toContain('Default time zone of `/digest subscribe`: none');
  });

  it('refuses a member without Manage Server, and a DM, privately, changing nothing', async () => {
    const refused = await settings({ answers: 'private' }, false);
    expect(refused.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringContaining('needs the **Manage Server** permission') });
    const dm = await h.fake.interaction({ name: 'settings', dm: true });
    expect((await h.fake.waitForCall({ interactionId: dm.id })).message?.content).toMatch(/use `\/settings` in a server/);
    expect((await h.state.guildSettings.get('1'))?.answersPrivate ?? false).toBe(false);
  });

  it('answers:private makes /ask (and its modal) private by default; private:false still answers publicly', async () => {
    const changed = await settings({ answers: 'private' });
    expect(changed.message?.content).toContain('**private** by default');
    expect(await h.state.guildSettings.get('1')).toMatchObject({ answersPrivate: true, updatedBy: h.fake.defaultUser.id });

    const byDefault = await askSlash(h.fake, 'What is VaSSO?');
    expect(ephemeral(byDefault.calls()[0])).toBe(true);
    const publicly = await askSlash(h.fake, 'What is VaSSO?', { private: false });
    expect(ephemeral(publicly.calls()[0])).toBe(false);
    const modal = await h.fake.interaction({ name: 'ask' });
    const opened = await h.fake.waitForCall({ interactionId: modal.id });
    expect(opened.callback?.type).toBe(InteractionResponseType.Modal);
    expect(opened.callback?.data?.custom_id).toBe('askm:private');
    // A DM has no server settings: public, as before.
    const dm = await askSlash(h.fake, 'What is VaSSO?', { dm: true });
    expect(ephemeral(dm.calls()[0])).toBe(false);
  });

  it('mentions_add limits mentions to the listed channels (threads count as their channel); removing the last one answers everywhere again', async () => {
    const general = h.fake.channel('general');
    const random = h.fake.channel('random');
    const listed = await settings({ mentions_add: { channel: general.id } });
    expect(listed.message?.content).toContain(`Mentions answered in: <#${general.id}>`);

    const ignored = await h.fake.message({ channelId: random.id, content: 'What does FaMUS approximate?', mentionsBot: true });
    await h.settle({ messageId: ignored.id });
    expect(h.fake.findCalls({ channelId: random.id }).filter((c) => c.method !== 'GET')).toEqual([]);

    const answered = await h.fake.message({ channelId: general.id, content: 'What does FaMUS approximate?', mentionsBot: true });
    const thread = await h.fake.waitForCall({ route: 'POST /channels/:channelId/messages/:messageId/threads', path: new RegExp(`/messages/${answered.id}/threads$`) });
    const threadId = (thread.response as { id: string }).id;
    await h.fake.waitForCall((c) => c.channelId === threadId && c.route === 'POST /channels/:channelId/messages', 8000);
    await h.settle();

    const removed = await settings({ mentions_remove: { channel: general.id } });
    expect(removed.message?.content).toContain('mentions are answered in every channel again');
    expect((await h.state.guildSettings.get('1'))?.mentionChannels).toBeNull();
    const again = await h.fake.message({ channelId: random.id, content: 'What is VaSSO?', mentionsBot: true });
    await h.fake.waitForCall({ route: 'POST /channels/:channelId/messages/:messageId/threads', path: new RegExp(`/messages/${again.id}/threads$`) }, 8000);
    await h.settle();
  });

  it('digest_timezone is the zone of /digest subscribe when none is given; without one the subscription is refused', async () => {
    const general = h.fake.channel('general');
    const subscribe = async () => {
      const ix = await h.fake.interaction({ name: 'digest', subcommand: 'subscribe', options: { channel: { channel: general.id }, time: '09:00' }, memberPermissions: ADMIN });
      return (await h.fake.waitForCall({ interactionId: ix.id })).message?.content ?? '';
    };
    expect(await subscribe()).toMatch(/^Nothing was saved: give a `timezone`/);
    expect(await h.state.digests.subscription(general.id)).toBeUndefined();

    const bad = await settings({ digest_timezone: 'Mars/Olympus' });
    expect(bad.message?.content).toMatch(/^Nothing was saved\. .*Mars\/Olympus/);
    const set = await settings({ digest_timezone: 'Europe/Berlin' });
    expect(set.message?.content).toContain('Default time zone of `/digest subscribe`: **Europe/Berlin**');
    expect(await subscribe()).toContain('09:00 Europe/Berlin');
    const ix = await h.fake.interaction({ name: 'digest', subcommand: 'unsubscribe', options: { channel: { channel: general.id } }, memberPermissions: ADMIN });
    await h.fake.waitForCall({ interactionId: ix.id });
  });

  it('keeps the settings across a restart (state database)', async () => {
    await settings({ answers: 'private', digest_timezone: 'Asia/Tokyo' });
    await h.replaceBot();
    const shown = await settings();
    expect(shown.message?.content).toContain('**private** by default');
    expect(shown.message?.content).toContain('**Asia/Tokyo**');
    expect(await h.state.schemaVersion()).toBeGreaterThanOrEqual(5);
    expect(await h.state.tables()).toContain('guild_settings');
  });
});
