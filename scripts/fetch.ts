// `npm run fetch`: see src/cli/fetch-command.ts.
import { runMain } from '../src/cli/run-main.ts';
import { fetchCommand } from '../src/cli/fetch-command.ts';

await runMain(fetchCommand);
