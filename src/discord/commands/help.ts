/** `/help`: what paperbot does and how to ask (ephemeral). */
import type { Command } from '../command.ts';
import { renderHelp } from '../render/info-messages.ts';
import { replyPrivately, slashCommand } from './slash-command.ts';

export const help = {
  data: slashCommand('help', 'How to use paperbot'),

  async execute(interaction, services) {
    await replyPrivately(interaction, renderHelp({ messageContent: services.settings.messageContent }));
  },
} satisfies Command;
