/** "Similar papers" under a /paper embed: the same list as /similar, shown to the person who pressed. */
import { MessageFlags } from 'discord.js';
import type { ButtonHandler } from '../command.ts';
import { replyPrivately } from '../commands/slash-command.ts';
import { SIMILAR_COUNT } from '../commands/similar.ts';
import { parseSimilarId } from '../custom-ids.ts';
import { PAPER_GONE, paperById } from '../paper-by-id.ts';
import { NO_PINGS } from '../render/outgoing-message.ts';
import { renderSimilar } from '../render/paper-message.ts';

export const similarButton = {
  kind: 'similar',
  async execute(interaction, services) {
    const parsed = parseSimilarId(interaction.customId);
    const found = parsed === null ? undefined : await paperById(services.assistant, parsed.paperId);
    if (found === undefined) {
      await replyPrivately(interaction, PAPER_GONE);
      return;
    }
    await interaction.reply({ ...renderSimilar(found, await services.assistant.similar(found.id, SIMILAR_COUNT)), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
  },
} satisfies ButtonHandler;
