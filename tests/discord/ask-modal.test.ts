/**
 * `/ask` without a question opens a modal (one paragraph box, as long as MAX_QUESTION_LENGTH allows) whose
 * submission is answered like `/ask`; the registered `question` option declares the same max_length, so
 * Discord's client enforces it. End to end against the fake Discord with the real discord.js client.
 */
import { describe, expect, it } from 'vitest';
import { ComponentType, InteractionResponseType, InteractionType, MessageFlags, TextInputStyle } from 'discord.js';
import { buttonsOf, carriesFeedback, type Harness, useHarness } from './harness.ts';

const MAX = 300;
let h: Harness;
useHarness({ env: { MAX_QUESTION_LENGTH: String(MAX) } }, {
  started: (started) => {
    h = started;
  },
});

interface ModalJson {
  custom_id: string;
  title: string;
  components: Array<{ type: number; label?: string; component?: { type: number; custom_id: string; style: number; max_length?: number; required?: boolean } }>;
}

async function openModal(options: Record<string, boolean> = {}): Promise<ModalJson> {
  const ix = await h.fake.interaction({ name: 'ask', options });
  const call = await h.fake.waitForCall({ interactionId: ix.id });
  expect(call.callback?.type).toBe(InteractionResponseType.Modal);
  return call.callback?.data as unknown as ModalJson;
}

describe('/ask and its modal', () => {
  it('registers the question option as optional, with max_length = MAX_QUESTION_LENGTH', () => {
    const ask = h.fake.commands('1').find((c) => c.name === 'ask');
    const question = ask?.options?.find((o) => o.name === 'question') as { required?: boolean; max_length?: number } | undefined;
    expect(question).toMatchObject({ max_length: MAX });
    expect(question?.required ?? false).toBe(false);
  });

  it('without a question opens a modal with one required paragraph box of at most MAX_QUESTION_LENGTH characters', async () => {
    const modal = await openModal();
    expect(modal.title).toBe('Ask paperbot');
    expect(modal.components).toHaveLength(1);
    expect(modal.components[0]).toMatchObject({
      type: ComponentType.Label,
      label: 'Your question about the papers',
      component: { type: ComponentType.TextInput, custom_id: 'question', style: TextInputStyle.Paragraph, max_length: MAX, required: true },
    });
  });

  it('answers what was typed into the modal like /ask: deferred, then the answer with its sources and buttons', async () => {
    const modal = await openModal();
    const submit = await h.fake.interaction({ type: InteractionType.ModalSubmit, customId: modal.custom_id, fields: { question: 'What does FaMUS approximate\nto save training time?' } });
    const final = await h.fake.waitForCall((c) => c.interactionId === submit.id && carriesFeedback(c), 8000);
    const [deferral] = h.fake.findCalls({ interactionId: submit.id });
    expect(deferral?.callback?.type).toBe(InteractionResponseType.DeferredChannelMessageWithSource);
    expect((deferral?.callback?.data?.flags ?? 0) & MessageFlags.Ephemeral).toBe(0);
    expect(final.message?.content).toContain('**Sources**');
    expect(final.message?.content).toContain('Faster Meta Update Strategy for Noise-Robust Deep Learning');
    const answerId = buttonsOf(final).find((b) => b.custom_id?.startsWith('feedback:'))?.custom_id?.split(':')[2] ?? '';
    expect(await h.state.feedback.getAnswer(answerId)).toMatchObject({ question: 'What does FaMUS approximate\nto save training time?', source: 'slash' });
  });

  it('keeps private:true through the modal: the answer is ephemeral', async () => {
    const modal = await openModal({ private: true });
    expect(modal.custom_id).toBe('askm:private');
    const submit = await h.fake.interaction({ type: InteractionType.ModalSubmit, customId: modal.custom_id, fields: { question: 'What is VaSSO?' } });
    await h.fake.waitForCall((c) => c.interactionId === submit.id && carriesFeedback(c), 8000);
    const [deferral] = h.fake.findCalls({ interactionId: submit.id });
    expect((deferral?.callback?.data?.flags ?? 0) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  });

  it('refuses, privately and before any work, a submitted question over the limit (a client that ignores max_length)', async () => {
    const submit = await h.fake.interaction({ type: InteractionType.ModalSubmit, customId: 'askm:public', fields: { question: 'why '.repeat(100) } });
    const reply = await h.fake.waitForCall({ interactionId: submit.id });
    expect(reply.message).toMatchObject({ flags: MessageFlags.Ephemeral, content: `Your question is 399 characters long; the limit is ${MAX}. Please shorten it.` });
  });
});
