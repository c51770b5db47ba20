// `npm run deploy-commands [-- --guild ID]`: see src/discord/deploy-commands.ts.
import { runMain } from '../src/cli/run-main.ts';
import { deployCommandsCommand } from '../src/discord/deploy-commands.ts';

await runMain(deployCommandsCommand);
