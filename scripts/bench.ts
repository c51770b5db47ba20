// `npm run bench`: see bench/run-bench.ts. Not part of `npm test`: the 10k run takes minutes.
import { runMain } from '../src/cli/run-main.ts';
import { benchMain } from '../bench/run-bench.ts';

await runMain(async ({ argv, stdout, stderr, config }) => {
  await benchMain(argv, { log: (line) => stderr.write(`${line}\n`), stdout, databaseUrl: config.database.url });
});
