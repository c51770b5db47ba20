/**
 * "Show evidence" end to end: the real discord.js client against the fake Discord, the real assistant and
 * the fake OpenAI server. Every answer that cites something carries the button; pressing it shows, to the
 * presser only, the sentences of each cited passage the answer rests on, with paper and source. The quotes
 * are stored with the answer, so the button works after the bot restarts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InteractionType, MessageFlags } from 'discord.js';
import { askSlash, buttonsOf, type Harness, useHarness } from './harness.ts';
import type { RecordedCall } from '../support/fake-discord.ts';
import { citingResponder, type RecordedRequest } from '../../src/dev/fake-openai.ts';

let h: Harness;
useHarness({}, {
  started: (started) => {
    h = started;
  },
});

afterEach(() => {
  h.llm?.setDefault(citingResponder);
});

/** The model answers `claim`, citing the passage of the prompt whose text contains `word` (whatever its number). */
function modelCites(word: string, claim: string): void {
  h.llm!.setDefault((request: RecordedRequest) => {
    const prompt = JSON.stringify(request.body);
    const n = [...prompt.matchAll(/<passage n=\\"(\d+)\\"(.*?)<\/passage>/g)].find((m) => (m[2] ?? '').includes(word))?.[1];
    return { content: n === undefined ? 'no passage' : `${claim} [${n}].` };
  });
}

async function pressEvidence(final: RecordedCall, user = { id: '5151', username: 'erin' }): Promise<RecordedCall> {
  const button = buttonsOf(final).find((b) => b.custom_id?.startsWith('evidence:'));
  expect(button?.label).toBe('Show evidence');
  const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: button!.custom_id!, messageId: (final.response as { id: string }).id, user });
  return h.fake.waitForCall({ interactionId: press.id });
}

describe('Show evidence', () => {
  it('quotes, privately, the passage sentence an LLM answer rests on, with its paper and source', async () => {
    modelCites('VaSSO', 'VaSSO stabilizes the adversary through variance suppression');
    const { final } = await askSlash(h.fake, 'How does VaSSO stabilize the adversary?');
    expect(final.message?.content).toMatch(/variance suppression \[\d\]/);
    const shown = await pressEvidence(final);
    expect(shown.message?.flags).toBe(MessageFlags.Ephemeral);
    const content = shown.message?.content ?? '';
    expect(content).toMatch(/^\*\*Evidence\*\*/);
    expect(content).toMatch(/`\[\d\]` \*\*Enhancing Sharpness-Aware Optimization Through Variance Suppression\*\* — `seed-papers\.jsonl:\d+`/);
    // The corpus sentence itself, quoted: the one with the answer's words, not the abstract's opening.
    expect(content).toContain('> The novel approach of this contribution fosters stabilization of adversaries through variance suppression (VaSSO) to avoid such friendliness.');
    expect(content).not.toContain('Sharpness-aware minimization (SAM) has well documented merits');
  });

  it('works after a restart: the quotes come from the state database, not from memory', async () => {
    modelCites('FaMUS', 'FaMUS replaces the meta gradient step with a faster layer-wise approximation');
    const { final } = await askSlash(h.fake, 'What does FaMUS approximate to save training time?');
    await h.replaceBot();
    const shown = await pressEvidence(final);
    expect(shown.message?.content).toContain('Faster Meta Update Strategy');
    expect(shown.message?.content).toMatch(/> In this paper, we introduce a novel Faster Meta Update Strategy \(FaMUS\)/);
  });

  it('is on extractive answers too (quoting the very sentences of the answer) and not on refusals', async () => {
    h.llm!.enqueue({ status: 500 });
    const { final } = await askSlash(h.fake, 'What does FaMUS approximate to save training time?');
    expect(final.message?.content).toContain('extractive answer');
    const answerSentence = /(In this paper, we introduce a novel Faster Meta Update Strategy[^[]*)\[\d+\]/.exec(final.message?.content ?? '')?.[1]?.trim();
    expect(answerSentence).toBeDefined();
    const shown = await pressEvidence(final);
    expect(shown.message?.content).toContain(`> ${answerSentence!.replace(/\($/, '')}`);

    const refused = await askSlash(h.fake, 'What is the capital of Australia?');
    expect(refused.final.message?.content).toContain('do not seem to cover');
    expect(buttonsOf(refused.final).some((b) => b.custom_id?.startsWith('evidence:'))).toBe(false);
  });

  it('says so when an answer has no stored evidence (an answer given before evidence was kept)', async () => {
    const press = await h.fake.interaction({ type: InteractionType.MessageComponent, customId: 'evidence:0123456789' });
    const shown = await h.fake.waitForCall({ interactionId: press.id });
    expect(shown.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: expect.stringContaining('did not keep the evidence of this answer') });
  });
});
