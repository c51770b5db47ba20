/**
 * Dispatch of message context-menu commands ("Ask paperbot") and select menus (the choice among papers of
 * an ambiguous /paper or /similar), by command name or custom id; one this version does not know gets a
 * private sentence saying so. Modals are dispatched in modals.ts.
 */
import { type MessageContextMenuCommandInteraction, type StringSelectMenuInteraction } from 'discord.js';
import type { BotServices, SelectHandler } from '../command.ts';
import { replyPrivately } from '../commands/slash-command.ts';
import { messageCommands } from '../commands/index.ts';
import { pickPaperSelect, pickSimilarSelect } from './paper-picker.ts';

const SELECTS: readonly SelectHandler[] = [pickPaperSelect, pickSimilarSelect];
const selectHandlers = new Map(SELECTS.map((h) => [h.kind, h]));

export async function handleMenu(interaction: MessageContextMenuCommandInteraction | StringSelectMenuInteraction, services: BotServices): Promise<void> {
  const unknown = async (what: string): Promise<void> => {
    await replyPrivately(interaction, `${what} is not handled by this version of paperbot; the registered commands may be out of date (run \`npm run deploy-commands\`).`);
  };
  if (interaction.isMessageContextMenuCommand()) {
    const command = messageCommands.find((c) => c.data.name === interaction.commandName);
    await (command === undefined ? unknown(`“${interaction.commandName}”`) : command.execute(interaction, services));
    return;
  }
  const handler = selectHandlers.get(interaction.customId);
  await (handler === undefined ? unknown('This menu') : handler.execute(interaction, services));
}
