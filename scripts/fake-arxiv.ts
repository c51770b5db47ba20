/**
 * Runs the test suite's fake arXiv on its own, for trying `npm run fetch` and `/add` offline:
 * `tsx scripts/fake-arxiv.ts [--port N] [--papers 300] [--category cs.LG]`, then set ARXIV_RSS_URL and
 * ARXIV_API_URL to the printed URLs. Today's feed announces that many made-up papers (their titles and
 * abstracts say they are fake); the API knows the same papers by id.
 */
import { once } from 'node:events';
import { startFakeArxiv, type FakeArxivPaper } from '../src/dev/fake-arxiv.ts';
import { defineCommandLine, parseCommandLine, printHelp } from '../src/cli/command-line.ts';
import { runMain } from '../src/cli/run-main.ts';

const COMMAND_LINE = defineCommandLine({
  command: 'tsx scripts/fake-arxiv.ts',
  summary: "A fake arXiv (RSS feed and API) on 127.0.0.1 announcing made-up papers today; Ctrl+C stops it.",
  options: {
    port: { type: 'whole', value: 'port', default: 0, max: 65_535, description: 'where to listen (0: any free port)' },
    papers: { type: 'whole', value: 'count', default: 300, min: 0, max: 20_000, description: 'papers in today\'s feed (0: the empty weekend feed)' },
    category: { type: 'string', value: 'category', default: 'cs.LG', description: 'their arXiv category' },
  },
});

await runMain(async ({ argv, stdout }) => {
  const line = parseCommandLine(COMMAND_LINE, argv);
  if (line.help) return printHelp(COMMAND_LINE, stdout);
  const { port, papers: count, category } = line.options;
  const today = new Date().toISOString().slice(0, 10);
  const papers: FakeArxivPaper[] = Array.from({ length: count }, (_, i) => ({
    id: `2612.${String(i + 1).padStart(5, '0')}`,
    title: `Fake arXiv paper ${i + 1}`,
    abstract: `This abstract is made up by paperbot's fake arXiv (number ${i + 1}) so that fetching, merging and indexing can be tried without the network; it describes no real work.`,
    authors: ['Fake Author'],
    categories: [category],
    published: today,
  }));
  const fake = await startFakeArxiv({ port });
  fake.setFeed(today, papers);
  fake.setApiPapers(papers);
  stdout.write(`Fake arXiv listening: ARXIV_RSS_URL=${fake.rssUrl} ARXIV_API_URL=${fake.apiUrl}\n`);
  stdout.write(`Try: ARXIV_RSS_URL=${fake.rssUrl} ARXIV_API_URL=${fake.apiUrl} npm run fetch -- arxiv ${category}; Ctrl+C stops it.\n`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await fake.close();
  return 0;
});
