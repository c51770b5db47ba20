/**
 * `/digest` as a server admin (and a member who is not one) uses it, through the real discord.js client and
 * the fake Discord: what is registered, what is refused and why, what a subscription, a preview, the status
 * and an unsubscribe reply, and that nothing is stored when the input is wrong.
 */
import { ApplicationCommandOptionType, InteractionResponseType, InteractionType, MessageFlags, PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerTexts, startDigestHarness, textOf, type DigestHarness } from './digest-harness.ts';

let h: DigestHarness;

beforeAll(async () => {
  h = await startDigestHarness({ start: new Date('2026-03-02T06:00:00Z') });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const ephemeral = (flags: number | undefined) => ((flags ?? 0) & MessageFlags.Ephemeral) === MessageFlags.Ephemeral;

describe('/digest', () => {
  it('is registered for servers only, for members with Manage Server, with its four subcommands', () => {
    const digest = h.fake.commands('1').find((c) => c.name === 'digest');
    expect(digest?.default_member_permissions).toBe(PermissionFlagsBits.ManageGuild.toString());
    expect(digest?.contexts).toEqual([0]);
    const subcommands = Object.fromEntries(
      (digest?.options ?? []).map((o) => [o.name, 'options' in o ? (o.options ?? []).map((x) => `${x.name}${x.required ? '' : '?'}`) : []]),
    );
    expect(subcommands).toEqual({ subscribe: ['channel', 'time', 'timezone?', 'count?', 'topic?'], unsubscribe: ['channel'], preview: ['channel?'], status: [] });
    const subscribe = digest?.options?.find((o) => o.name === 'subscribe');
    const count = subscribe && 'options' in subscribe ? subscribe.options?.find((o) => o.name === 'count') : undefined;
    expect(count).toMatchObject({ type: ApplicationCommandOptionType.Integer, min_value: 1, max_value: 10 });
  });

  it('refuses an unknown time zone, 25:00 and a count of 0 privately, naming each problem, and stores nothing', async () => {
    const general = { channel: h.channel('general') };
    const cases: Array<[Record<string, string | number | { channel: string }>, RegExp]> = [
      [{ channel: general, time: '09:00', timezone: 'Mars/Phobos' }, /"Mars\/Phobos" is not an IANA time zone/],
      [{ channel: general, time: '09:00', timezone: 'Europe/Berln' }, /did you mean Europe\/Berlin\?/],
      [{ channel: general, time: '25:00', timezone: 'UTC' }, /"25:00" is not a time of day: the hour must be between 00 and 23/],
      [{ channel: general, time: '09:00', timezone: 'UTC', count: 0 }, /count must be a whole number of papers from 1 to 10, not 0/],
    ];
    for (const [options, problem] of cases) {
      const { reply } = await h.command('subscribe', options);
      expect(reply.callback?.type).toBe(InteractionResponseType.ChannelMessageWithSource);
      expect(ephemeral(reply.message?.flags)).toBe(true);
      expect(reply.message?.content).toMatch(/^Nothing was saved\./);
      expect(reply.message?.content).toMatch(problem);
    }
    const { reply } = await h.command('subscribe', { channel: general, time: '25:00', timezone: 'Nowhere/City', count: 0 });
    expect(reply.message?.content?.split('\n• ')).toHaveLength(4);
    expect(await h.store.subscriptions()).toEqual([]);
    expect(h.digest.jobs()).toEqual([]);
  });

  it('refuses a member without Manage Server, whatever the subcommand, before doing anything', async () => {
    for (const [sub, options] of [
      ['subscribe', { channel: { channel: h.channel('news') }, time: '09:00', timezone: 'UTC' }],
      ['unsubscribe', { channel: { channel: h.channel('news') } }],
      ['preview', {}],
      ['status', {}],
    ] as const) {
      const { reply } = await h.command(sub, options, { admin: false });
      expect(reply.callback?.type, sub).toBe(InteractionResponseType.ChannelMessageWithSource);
      expect(ephemeral(reply.message?.flags)).toBe(true);
      expect(reply.message?.content).toMatch(/needs the \*\*Manage Server\*\* permission/);
    }
    expect(await h.store.subscriptions()).toEqual([]);
  });

  it('answers in a DM that digests belong to a server', async () => {
    const ix = await h.fake.interaction({ name: 'digest', subcommand: 'status', dm: true });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    expect(reply.message?.content).toMatch(/use `\/digest` in a server/);
  });

  it('confirms a subscription with its first run in local and UTC time, and changing it keeps one subscription', async () => {
    h.setTime('2026-03-02T06:00:00Z'); // 07:00 in Berlin: today's 09:00 is still ahead
    const { reply } = await h.command('subscribe', { channel: { channel: h.channel('news') }, time: '9:00', timezone: 'europe/berlin', count: 3, topic: '  adversarial   robustness ' });
    expect(ephemeral(reply.message?.flags)).toBe(true);
    expect(reply.message?.content).toBe(
      [
        `✅ Daily digest for <#${h.channel('news')}>: 3 papers every day at 09:00 Europe/Berlin, topic “adversarial robustness”.`,
        'First digest: 2026-03-02 09:00 Europe/Berlin (2026-03-02 08:00 UTC). `/digest preview` shows what it would look like now.',
      ].join('\n'),
    );
    expect(h.digest.jobs().map((j) => [j.channelId, j.pattern, j.timeZone])).toEqual([[h.channel('news'), '0 9 * * *', 'Europe/Berlin']]);

    // Changed at 10:00 Berlin time to 09:30: today's time has passed, so the first digest is tomorrow's.
    h.setTime('2026-03-02T09:00:00Z');
    const changed = await h.command('subscribe', { channel: { channel: h.channel('news') }, time: '09:30', timezone: 'Europe/Berlin' });
    expect(changed.reply.message?.content).toMatch(/^✅ Updated the daily digest of <#\d+>: 5 papers every day at 09:30 Europe\/Berlin\.\nNext digest: 2026-03-03 09:30 Europe\/Berlin \(2026-03-03 08:30 UTC\)/);
    expect(await h.store.subscriptions()).toHaveLength(1);
    expect(await h.store.subscription(h.channel('news'))).toMatchObject({ time: '09:30', count: 5, topic: null });
    expect(h.digest.jobs().map((j) => j.pattern)).toEqual(['30 9 * * *']);
    expect(await h.tick('2026-03-02T09:31:00Z')).toEqual([{ channelId: h.channel('news'), outcome: 'not-due' }]);
  });

  it('previews privately exactly what is then posted, recording nothing', async () => {
    h.setTime('2026-03-03T07:00:00Z');
    const { reply, calls } = await h.command('preview', { channel: { channel: h.channel('news') } });
    const [deferral] = calls();
    expect(deferral?.callback?.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    expect(ephemeral(deferral?.callback?.data?.flags)).toBe(true);
    expect(reply.message?.content).toMatch(/^👀 Preview of what <#\d+> would get now\. Nothing was posted/);
    const followUps = calls().filter((c) => c.route === 'POST /webhooks/:applicationId/:token');
    expect(followUps.every((c) => ephemeral(c.message?.flags))).toBe(true);
    const previewed = answerTexts(calls()).join('\n\n');
    expect(await h.store.posts(h.channel('news'))).toEqual([]);
    expect(h.postsIn('news')).toEqual([]);

    await h.tick('2026-03-03T08:30:00Z');
    const posted = h.postsIn('news').map((c) => c.message?.content ?? '');
    expect(posted.length).toBeGreaterThan(0);
    expect(posted[0]).toMatch(/^📚 \*\*Paper digest · 2026-03-03\*\*/);
    // The preview is the note, then the very messages that were posted.
    expect(previewed.endsWith(`\n\n${posted.join('\n\n')}`)).toBe(true);
    expect(previewed.indexOf('📚')).toBeGreaterThan(0);
  });

  it('previews a channel without a digest with the defaults, saying so', async () => {
    const { reply, calls } = await h.command('preview', {}, { channel: 'lab' });
    expect(reply.message?.content).toMatch(new RegExp(`^👀 Preview for <#${h.channel('lab')}>, which has no digest yet`));
    const texts = answerTexts(calls());
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(2000);
    expect(texts.join('\n').match(/^\*\*\d+\. /gm)).toHaveLength(5);
    expect(await h.store.posts(h.channel('lab'))).toEqual([]);
  });

  it('shows every digest of the server: next run in local and UTC time, and the last post', async () => {
    h.setTime('2026-03-03T12:00:00Z');
    await h.command('subscribe', { channel: { channel: h.channel('lab') }, time: '18:45', timezone: 'Asia/Tokyo', count: 2 });
    const { reply } = await h.command('status');
    expect(ephemeral(reply.message?.flags)).toBe(true);
    const text = reply.message?.content ?? '';
    expect(text).toMatch(/^\*\*Daily digests in this server\*\* \(2\)/);
    expect(text).toContain(
      [
        `**<#${h.channel('news')}>** · 5 papers every day at 09:30 Europe/Berlin`,
        'Next: 2026-03-04 09:30 Europe/Berlin (2026-03-04 08:30 UTC)',
        'Last post: the digest of 2026-03-03, posted 2026-03-03 09:30 Europe/Berlin (2026-03-03 08:30 UTC)',
      ].join('\n'),
    );
    expect(text).toContain([`**<#${h.channel('lab')}>** · 2 papers every day at 18:45 Asia/Tokyo`, 'Next: 2026-03-04 18:45 Asia/Tokyo (2026-03-04 09:45 UTC)', 'Last post: none yet'].join('\n'));
    expect(text).not.toContain('Last error');
  });

  it('stops the posts on unsubscribe, and says so when there was nothing to stop', async () => {
    const before = h.postsIn('news').length;
    const { reply } = await h.command('unsubscribe', { channel: { channel: h.channel('news') } });
    expect(reply.message?.content).toMatch(/^Stopped the daily digest of <#\d+>\./);
    expect(h.digest.jobs().map((j) => j.channelId)).toEqual([h.channel('lab')]);
    await h.tick('2026-03-04T08:30:00Z');
    await h.tick('2026-03-05T08:30:00Z');
    expect(h.postsIn('news')).toHaveLength(before);
    const again = await h.command('unsubscribe', { channel: { channel: h.channel('news') } });
    expect(again.reply.message?.content).toBe(`<#${h.channel('news')}> has no daily digest.`);
    expect(textOf([(await h.command('status')).reply])).not.toContain(`<#${h.channel('news')}>`);
  });

  it('suggests time zones as they are typed', async () => {
    const choicesFor = async (typed: string) => {
      const ix = await h.fake.interaction({
        type: InteractionType.ApplicationCommandAutocomplete,
        name: 'digest',
        subcommand: 'subscribe',
        options: { timezone: typed },
        focused: 'timezone',
        memberPermissions: PermissionFlagsBits.ManageGuild,
      });
      const call = await h.fake.waitForCall({ interactionId: ix.id });
      expect(call.callback?.type).toBe(InteractionResponseType.ApplicationCommandAutocompleteResult);
      return (call.callback?.data?.choices ?? []).map((c) => c.value);
    };
    expect((await choicesFor('berl'))[0]).toBe('Europe/Berlin');
    expect((await choicesFor('new york'))[0]).toBe('America/New_York');
    const america = await choicesFor('america');
    expect(america.length).toBe(25);
    expect((await choicesFor(''))).toContain('UTC');
  });
});
