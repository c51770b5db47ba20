/**
 * Citing end to end against the fake Discord (real discord.js client): /cite with its autocomplete and both
 * formats, the Cite button on /paper cards, and the BibTeX button under an answer's sources, including after
 * the bot restarted (the cited papers are read back from the stored answer).
 */
import { describe, expect, it } from 'vitest';
import { InteractionResponseType, InteractionType, MessageFlags, OverwriteType, PermissionFlagsBits } from 'discord.js';
import { askSlash, buttonsOf, type Harness, useHarness } from './harness.ts';
import type { RecordedCall } from '../support/fake-discord.ts';

let h: Harness;
useHarness({}, {
  started: (started) => {
    h = started;
  },
});

function bibFile(call: RecordedCall): { name: string; text: string } {
  expect(call.files).toHaveLength(1);
  const [file] = call.files;
  return { name: file!.name, text: file!.data.toString('utf8') };
}

const FAMUS_ENTRY = [
  '@misc{xu2021faster,',
  '  author = {Youjiang Xu and Linchao Zhu and Lu Jiang and Yi Yang},',
  '  title = {Faster Meta Update Strategy for Noise-Robust Deep Learning},',
  '  year = {2021},',
  '  howpublished = {CVPR},',
  '  url = {https://openaccess.thecvf.com/content/CVPR2021/html/Xu_Faster_Meta_Update_Strategy_for_Noise-Robust_Deep_Learning_CVPR_2021_paper.html}',
  '}',
].join('\n');

describe('/cite', () => {
  it('offers the same autocomplete as /paper', async () => {
    const ix = await h.fake.interaction({ type: InteractionType.ApplicationCommandAutocomplete, name: 'cite', options: { paper: 'VaSSO' }, focused: 'paper' });
    const choices = (await h.fake.waitForCall({ interactionId: ix.id })).callback?.data?.choices ?? [];
    expect(choices[0]?.name).toBe('Enhancing Sharpness-Aware Optimization Through Variance Suppression (2023)');
  });

  it('answers with the BibTeX entry in a code block and as a .bib attachment', async () => {
    const ix = await h.fake.interaction({ name: 'cite', options: { paper: 'FaMUS' } });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    expect(reply.callback?.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(reply.message?.content).toBe(`\`\`\`bibtex\n${FAMUS_ENTRY}\n\`\`\``);
    expect(bibFile(reply)).toEqual({ name: 'xu2021faster.bib', text: `${FAMUS_ENTRY}\n` });
    expect(h.fake.messagesIn(ix.channelId).at(-1)?.attachments.map((a) => a.filename)).toEqual(['xu2021faster.bib']);
  });

  it('writes an arXiv paper as @misc with eprint and archivePrefix, a DOI paper with its doi', async () => {
    const arxiv = await h.fake.interaction({ name: 'cite', options: { paper: 'Gyroscope-Assisted Motion Deblurring' } });
    const arxivText = bibFile(await h.fake.waitForCall({ interactionId: arxiv.id })).text;
    expect(arxivText).toMatch(/^@misc\{luan2024gyroscopeassisted,/);
    expect(arxivText).toContain('  eprint = {2402.06854},\n  archivePrefix = {arXiv},');
    expect(arxivText).not.toContain('howpublished');
    const doi = await h.fake.interaction({ name: 'cite', options: { paper: 'Controllable Multi-Interest Framework' } });
    expect(bibFile(await h.fake.waitForCall({ interactionId: doi.id })).text).toContain('  doi = {10.1145/3394486.3403344},');
  });

  it('format:text gives one plain reference line and no file', async () => {
    const ix = await h.fake.interaction({ name: 'cite', options: { paper: 'FaMUS', format: 'text' } });
    const reply = await h.fake.waitForCall({ interactionId: ix.id });
    expect(reply.message?.content).toBe(
      'Youjiang Xu, Linchao Zhu, Lu Jiang, Yi Yang (2021). Faster Meta Update Strategy for Noise-Robust Deep Learning. CVPR. https://openaccess.thecvf.com/content/CVPR2021/html/Xu_Faster_Meta_Update_Strategy_for_Noise-Robust_Deep_Learning_CVPR_2021_paper.html',
    );
    expect(reply.files).toEqual([]);
  });

  it('says so, privately, when no paper matches', async () => {
    const ix = await h.fake.interaction({ name: 'cite', options: { paper: 'zzzzqqqq' } });
    expect((await h.fake.waitForCall({ interactionId: ix.id })).message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringMatching(/^No paper matches/) });
  });
});

describe('Cite and BibTeX buttons', () => {
  it('a /paper card has a Cite button next to Similar papers, which sends the entry privately', async () => {
    const ix = await h.fake.interaction({ name: 'paper', options: { query: 'FaMUS' } });
    const card = await h.fake.waitForCall({ interactionId: ix.id });
    const buttons = buttonsOf(card);
    expect(buttons.map((b) => b.label)).toEqual(['Similar papers', 'Cite', 'Ask about this paper', 'Open paper']);
    const messageId = h.fake.messagesIn(ix.channelId).at(-1)!.id;
    const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: buttons[1]!.custom_id!, messageId, channelId: ix.channelId });
    const reply = await h.fake.waitForCall({ interactionId: press.id });
    expect(reply.message?.flags).toBe(MessageFlags.Ephemeral);
    expect(bibFile(reply).text).toBe(`${FAMUS_ENTRY}\n`);
  });

  it('an answer with sources has a BibTeX button that sends every cited paper’s entry privately, also after a restart', async () => {
    const { final } = await askSlash(h.fake, 'What does FaMUS approximate, and how does VaSSO stabilize the adversary?');
    const answerId = buttonsOf(final).find((b) => b.custom_id?.startsWith('feedback:'))!.custom_id!.split(':')[2]!;
    const cited = (await h.state.feedback.getAnswer(answerId))!.paperIds;
    expect(cited.length).toBeGreaterThan(0);
    const bibtex = buttonsOf(final).find((b) => b.label === 'BibTeX');
    expect(bibtex?.custom_id).toBe(`bibtex:${answerId}`);

    await h.replaceBot();
    const messageId = (final.response as { id: string }).id;
    const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: bibtex!.custom_id!, messageId });
    const reply = await h.fake.waitForCall({ interactionId: press.id });
    expect(reply.message?.flags).toBe(MessageFlags.Ephemeral);
    const { name, text } = bibFile(reply);
    expect(name).toBe(cited.length === 1 ? expect.stringMatching(/\.bib$/) : 'references.bib');
    expect(text.match(/^@misc\{/gm)).toHaveLength(cited.length);
    for (const id of cited) expect(text).toContain((await h.assistant.resolvePaper(id))!.title!);
  });

  it('a refused answer (nothing cited) has no BibTeX button; an unknown answer id gets a clear private notice', async () => {
    const { final } = await askSlash(h.fake, 'What is the capital of Australia?');
    expect(buttonsOf(final).map((b) => b.label)).not.toContain('BibTeX');
    const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: 'bibtex:no-such-answer' });
    expect((await h.fake.waitForCall({ interactionId: press.id })).message).toMatchObject({ flags: MessageFlags.Ephemeral, content: 'I no longer have the sources of that answer.' });
  });
});

describe('where the bot lacks a permission', () => {
  it('in a channel where it may not send messages, /cite and the Cite button still answer (through the interaction)', async () => {
    const random = h.fake.channel('random');
    const botRole = h.fake.guilds[0]!.roles[1]!.id;
    await h.fake.setPermissionOverwrites(random.id, [{ id: botRole, type: OverwriteType.Role, allow: '0', deny: PermissionFlagsBits.SendMessages.toString() }]);
    try {
      const ix = await h.fake.interaction({ name: 'cite', options: { paper: 'FaMUS' }, channelId: random.id });
      const reply = await h.fake.waitForCall({ interactionId: ix.id });
      expect(bibFile(reply).name).toBe('xu2021faster.bib');
      const card = await h.fake.interaction({ name: 'paper', options: { query: 'FaMUS' }, channelId: random.id });
      const cite = buttonsOf(await h.fake.waitForCall({ interactionId: card.id })).find((b) => b.label === 'Cite');
      const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: cite!.custom_id!, messageId: h.fake.messagesIn(random.id).at(-1)!.id, channelId: random.id });
      expect(bibFile(await h.fake.waitForCall({ interactionId: press.id })).text).toBe(`${FAMUS_ENTRY}\n`);
    } finally {
      await h.fake.setPermissionOverwrites(random.id, []);
    }
  });
});
