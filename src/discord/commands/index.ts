/** Every slash and context-menu command, for the bot (dispatch by name) and the deploy script (their definitions). */
import type { RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import type { Command, DefinitionSettings, MessageCommand } from '../command.ts';
import { about } from './about.ts';
import { add } from './add.ts';
import { ask } from './ask.ts';
import { askAboutMessage } from './ask-about-message.ts';
import { cite } from './cite.ts';
import { digest } from './digest.ts';
import { help } from './help.ts';
import { paper } from './paper.ts';
import { settings } from './settings.ts';
import { similar } from './similar.ts';

export const commands: readonly Command[] = [ask, paper, similar, cite, digest, add, settings, help, about];

/** Message context-menu commands (right-click a message → Apps). */
export const messageCommands: readonly MessageCommand[] = [askAboutMessage];

export function commandDefinitions(settings: DefinitionSettings): RESTPostAPIApplicationCommandsJSONBody[] {
  return [...commands.map((command) => command.define?.(settings) ?? command.data.toJSON()), ...messageCommands.map((command) => command.data.toJSON())];
}
