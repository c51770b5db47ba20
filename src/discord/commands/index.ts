/** Every slash command, for the bot (dispatch by name) and the deploy script (their definitions). */
import type { Command, DefinitionSettings } from '../command.ts';
import { about } from './about.ts';
import { add } from './add.ts';
import { ask } from './ask.ts';
import { cite } from './cite.ts';
import { digest } from './digest.ts';
import { help } from './help.ts';
import { paper } from './paper.ts';
import { similar } from './similar.ts';

export const commands: readonly Command[] = [ask, paper, similar, cite, digest, add, help, about];

export function commandDefinitions(settings: DefinitionSettings): ReturnType<Command['data']['toJSON']>[] {
  return commands.map((command) => command.define?.(settings) ?? command.data.toJSON());
}
