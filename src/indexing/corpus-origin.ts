/**
 * Where an index build was made, and the check that keeps a build from one machine from removing papers that
 * another machine's build brought in. Builds read the LOCAL corpus folder (where `/add` and the daily fetch
 * write too); into a database that several machines build into (PostgreSQL), a build from a machine whose
 * corpus folder lacks papers of the current build would delete them for everyone. Such a build is refused in
 * one sentence naming both places; `--remove-missing` (or `--rebuild`) says the removal is meant.
 */
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../core/errors.ts';
import type { BuildCatalog, OpenPaperStore } from './index-backend.ts';
import type { BuildOrigin, Manifest } from './manifest.ts';

/** This machine's name and the corpus folder as an absolute path: what the manifest records (no secrets). */
export function buildOrigin(corpusDir: string, host: string = os.hostname()): BuildOrigin {
  return { host, corpusDir: path.resolve(corpusDir) };
}

function describeOrigin({ host, corpusDir }: BuildOrigin): string {
  return `${corpusDir} on ${host}`;
}

const SAMPLE = 3;

/**
 * Throws E_CORPUS_ELSEWHERE when the catalog is shared by machines, the current build was made from another
 * host or corpus folder, and this build's corpus lacks some of its papers. Reads the stored paper ids only then.
 */
export async function refuseRemovalsFromElsewhere({
  catalog,
  previous,
  origin,
  corpusIds,
  openStore,
}: {
  catalog: Pick<BuildCatalog, 'location' | 'sharedByMachines'>;
  previous: Manifest | null;
  origin: BuildOrigin;
  corpusIds: ReadonlySet<string>;
  openStore: () => Promise<OpenPaperStore>;
}): Promise<void> {
  const before = previous?.origin;
  if (catalog.sharedByMachines !== true || before === undefined || (before.host === origin.host && before.corpusDir === origin.corpusDir)) return;
  const store = await openStore();
  let missing: string[];
  try {
    missing = [...(await store.paperHashes()).keys()].filter((id) => !corpusIds.has(id));
  } finally {
    await store.close();
  }
  if (missing.length === 0) return;
  const sample = missing.slice(0, SAMPLE).join(', ') + (missing.length > SAMPLE ? ', …' : '');
  throw new UserError(
    'E_CORPUS_ELSEWHERE',
    `The current index build in ${catalog.location} was made from ${describeOrigin(before)}, and this build from ${describeOrigin(origin)} would remove ${missing.length} of its papers that this corpus folder lacks (${sample}): build on the machine whose corpus folder has them, or share one corpus folder (CORPUS_DIR) between the machines; to remove them anyway, run \`npm run index -- --remove-missing\`.`,
  );
}
