// `npm run eval`: see src/cli/eval-command.ts.
import { runMain } from '../src/cli/run-main.ts';
import { evalCommand } from '../src/cli/eval-command.ts';

await runMain(evalCommand);
