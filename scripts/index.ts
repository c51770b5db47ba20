// `npm run index`: see src/cli/index-command.ts.
import { runMain } from '../src/cli/run-main.ts';
import { indexCommand } from '../src/cli/index-command.ts';

await runMain(indexCommand);
