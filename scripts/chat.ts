// `npm run chat`: see src/cli/chat-command.ts.
import { runMain } from '../src/cli/run-main.ts';
import { chatCommand } from '../src/cli/chat-command.ts';

await runMain((context) => chatCommand(context));
