// `npm run ask`: see src/cli/ask-command.ts.
import { runMain } from '../src/cli/run-main.ts';
import { askCommand } from '../src/cli/ask-command.ts';

await runMain(askCommand);
