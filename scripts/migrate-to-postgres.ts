// `npm run migrate-to-postgres`: see src/cli/migrate-command.ts.
import { runMain } from '../src/cli/run-main.ts';
import { migrateCommand } from '../src/cli/migrate-command.ts';

await runMain(migrateCommand);
