// `npm run import`: see src/cli/import-command.ts.
import { runMain } from '../src/cli/run-main.ts';
import { importCommand } from '../src/cli/import-command.ts';

await runMain(importCommand);
