/**
 * Picking among papers and asking about one, end to end against the fake Discord with the real discord.js
 * client: `/paper` and `/similar` with a query several papers match about equally answer with a private
 * select menu instead of taking the first; choosing posts the card (or the similar papers). The card's "Ask
 * about this paper" opens a modal whose question is answered from that paper first.
 */
import { describe, expect, it } from 'vitest';
import { ComponentType, DiscordAPIError, InteractionResponseType, InteractionType, MessageFlags, Routes } from 'discord.js';
import { askSlash, buttonsOf, carriesFeedback, type Harness, useHarness } from './harness.ts';
import type { RecordedCall } from '../support/fake-discord.ts';
import { ambiguousMatches } from '../../src/discord/components/paper-picker.ts';
import { paper as fixturePaper } from '../support/paper-fixture.ts';

let h: Harness;
const { acceptCallsSoFar } = useHarness({}, {
  started: (started) => {
    h = started;
  },
});

type Menu = { custom_id: string; options: Array<{ label: string; value: string; description?: string }> };
function menuOf(call: RecordedCall | undefined): Menu | undefined {
  const rows = (call?.message?.components ?? []) as Array<{ components: Array<{ type: number } & Menu> }>;
  return rows.flatMap((r) => r.components).find((c) => c.type === ComponentType.StringSelect);
}

describe('/paper and /similar: a choice when several papers match about equally', () => {
  it('/paper deep learning offers the matching papers privately; choosing one posts its card', async () => {
    const ix = await h.fake.interaction({ name: 'paper', options: { query: 'deep learning' } });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    expect(reply.message?.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.message?.content).toMatch(/^Several papers match “deep learning” about equally/);
    const menu = menuOf(reply);
    expect(menu?.custom_id).toBe('pick:paper');
    const labels = menu!.options.map((o) => o.label);
    expect(labels).toEqual(expect.arrayContaining([expect.stringMatching(/^Deep Stable Learning/), expect.stringMatching(/^Bayesian Deep Learning/), expect.stringMatching(/^Faster Meta Update Strategy for Noise-Robust Deep Learning/)]));
    expect(menu!.options.length).toBeLessThanOrEqual(25);

    const chosen = menu!.options.find((o) => o.label.startsWith('Bayesian Deep Learning'))!;
    const pick = await h.fake.selectMenu({ customId: 'pick:paper', values: [chosen.value], messageId: (reply.response as { id?: string })?.id ?? h.fake.messagesIn(ix.channelId).at(-1)!.id, channelId: ix.channelId });
    const update = await h.fake.waitForCall({ interactionId: pick.id });
    expect(update.callback?.type).toBe(InteractionResponseType.UpdateMessage);
    expect(update.message?.components).toEqual([]);
    const card = await h.fake.waitForCall({ interactionId: pick.id, route: 'POST /webhooks/:applicationId/:token' });
    expect(((card.message?.flags ?? 0) as number) & MessageFlags.Ephemeral).toBe(0);
    expect(card.message?.embeds?.[0]?.title).toBe('Bayesian Deep Learning via Subnetwork Inference');
  });

  it('takes the paper a query names: a method name, a whole title, an id (no menu)', async () => {
    for (const query of ['FaMUS', 'Deep Stable Learning for Out-of-Distribution Generalization', 'doi:10.1145/3394486.3403344']) {
      const ix = await h.fake.interaction({ name: 'paper', options: { query } });
      const reply = await h.fake.waitForCall({ interactionId: ix.id });
      expect(menuOf(reply), query).toBeUndefined();
      expect(reply.message?.embeds?.length, query).toBe(1);
    }
  });

  it('/similar deep learning asks which paper too, then posts the papers similar to the one chosen', async () => {
    const ix = await h.fake.interaction({ name: 'similar', options: { paper: 'deep learning' } });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    const menu = menuOf(reply);
    expect(menu?.custom_id).toBe('pick:similar');
    const chosen = menu!.options.find((o) => o.label.startsWith('Deep Stable Learning'))!;
    const pick = await h.fake.selectMenu({ customId: 'pick:similar', values: [chosen.value], messageId: h.fake.messagesIn(ix.channelId).at(-1)!.id, channelId: ix.channelId });
    const list = await h.fake.waitForCall({ interactionId: pick.id, route: 'POST /webhooks/:applicationId/:token' });
    expect(list.message?.content).toMatch(/^\*\*Papers similar to Deep Stable Learning for Out-of-Distribution Generalization\*\*/);
    expect(list.message?.content?.match(/^\d\. /gm)).toHaveLength(5);
  });

  it('the rule: the two best matches hold as many of the query’s words; an exact name is not ambiguous', () => {
    const a = fixturePaper('a', { title: 'Deep Stable Learning' });
    const b = fixturePaper('b', { title: 'Bayesian Deep Learning' });
    const c = fixturePaper('c', { title: 'Deep Networks' });
    expect(ambiguousMatches('deep learning', [a, b, c])?.map((p) => p.id)).toEqual(['a', 'b', 'c']);
    expect(ambiguousMatches('stable deep learning', [a, b, c])).toBeNull();
    expect(ambiguousMatches('Bayesian Deep Learning', [b, a])).toBeNull();
    expect(ambiguousMatches('deep', [a])).toBeNull();
  });
});

describe('Ask about this paper', () => {
  it('opens a modal from the card, and answers its question from that paper first, even one the gate would refuse', async () => {
    const ix = await h.fake.interaction({ name: 'paper', options: { query: 'FaMUS' } });
    const card = await h.fake.waitForCall({ interactionId: ix.id });
    const button = buttonsOf(card).find((b) => b.custom_id?.startsWith('askpaper:'));
    expect(button?.label).toBe('Ask about this paper');
    const cardId = h.fake.messagesIn(ix.channelId).at(-1)!.id;
    const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: button!.custom_id!, messageId: cardId, channelId: ix.channelId });
    const opened = await h.fake.waitForCall({ interactionId: press.id });
    expect(opened.callback?.type).toBe(InteractionResponseType.Modal);
    expect(opened.callback?.data).toMatchObject({ title: 'Ask about this paper', custom_id: button!.custom_id });

    // Asked with /ask, this names nothing in the papers and is refused.
    const plain = await askSlash(h.fake, 'What is its main result?');
    expect(plain.final.message?.content).toContain('do not seem to cover');
    const requestsBefore = h.llm!.requests.length;
    const submit = await h.fake.modalSubmit({ fromInteractionId: press.id, values: { question: 'What is its main result?' } });
    const final = await h.fake.waitForCall((c) => c.interactionId === submit.id && carriesFeedback(c), 8000);
    const prompt = JSON.stringify(h.llm!.requests.slice(requestsBefore).map((r) => r.body));
    expect(prompt).toMatch(/<passage n=\\"1\\" paper=\\"Faster Meta Update Strategy for Noise-Robust Deep Learning\\"/);
    expect(final.message?.content).toContain('Faster Meta Update Strategy for Noise-Robust Deep Learning');
    expect(final.message?.content).not.toContain('do not seem to cover');
  });
});

describe('the fake Discord refuses select menus and modals Discord would refuse', () => {
  it('answers 400 50035 to a menu of 26 options and to a menu sharing its row', async () => {
    const rest = h.bot.client.rest;
    const channelId = h.fake.channel('general').id;
    const option = (i: number) => ({ label: `Paper ${i}`, value: `p${i}` });
    const menu = (count: number) => ({ type: ComponentType.StringSelect, custom_id: 'pick:paper', options: Array.from({ length: count }, (_, i) => option(i)) });
    const refused = async (send: () => Promise<unknown>): Promise<string> => {
      const error = await send().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(DiscordAPIError);
      expect((error as DiscordAPIError).code).toBe(50035);
      return JSON.stringify((error as DiscordAPIError).rawError);
    };
    expect(await refused(() => rest.post(Routes.channelMessages(channelId), { body: { content: 'x', components: [{ type: 1, components: [menu(26)] }] } }))).toMatch(/"options":\{"_errors":\[\{"code":"BASE_TYPE_BAD_LENGTH"/);
    const button = { type: ComponentType.Button, style: 1, label: 'b', custom_id: 'b' };
    expect(await refused(() => rest.post(Routes.channelMessages(channelId), { body: { content: 'x', components: [{ type: 1, components: [menu(2), button] }] } }))).toContain('COMPONENT_LAYOUT_WIDTH_EXCEEDED');

    acceptCallsSoFar();
  });
});
