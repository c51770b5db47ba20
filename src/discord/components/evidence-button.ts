/**
 * "Show evidence" under an answer: privately, the quoted passages behind each citation, read from the state
 * database where they were stored with the answer (so the button works after a restart, and shows what the
 * answer was given even after a rebuild changed the passages).
 */
import { MessageFlags } from 'discord.js';
import type { ButtonHandler } from '../command.ts';
import { replyPrivately } from '../commands/slash-command.ts';
import { parseEvidenceId } from '../custom-ids.ts';
import { renderEvidence } from '../render/evidence-message.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';

export const evidenceButton = {
  kind: 'evidence',
  async execute(interaction, services) {
    const parsed = parseEvidenceId(interaction.customId);
    if (parsed === null) {
      await replyPrivately(interaction, 'This button is not valid any more.');
      return;
    }
    const evidence = (await services.feedback.evidence(parsed.answerId)) ?? [];
    services.logger.info({ answerId: parsed.answerId, citations: evidence.length }, 'evidence shown');
    const [first = '', ...rest] = renderEvidence(evidence);
    await replyPrivately(interaction, first);
    for (const content of rest) await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
  },
} satisfies ButtonHandler;
