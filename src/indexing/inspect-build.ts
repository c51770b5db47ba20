/**
 * The cheap check of an index build before it is opened or built upon: its manifest (JSON, version, schema),
 * read through the backend's catalog, then its store and its vectors through the backend's checks (headers,
 * sizes, counts: milliseconds, not a read of every page). What it finds decides what the next build may reuse:
 * nothing when the manifest or the store is damaged (vectors are labelled by the store's passage ids), the
 * store alone when only the vectors are.
 */
import { UserError } from '../core/errors.ts';
import { describeDamage, type FileDamage, type IndexBackend } from './index-backend.ts';
import { checkManifest, type Manifest } from './manifest.ts';

export type InspectedBuild = { manifest: Manifest; damage: null } | { manifest: Manifest | null; damage: FileDamage; storeUsable: boolean };

/** `thorough`: the store's every page is read too (for a build that met damage the cheap check did not see). */
export async function inspectBuild(build: string, backend: IndexBackend, { thorough = false }: { thorough?: boolean } = {}): Promise<InspectedBuild> {
  const read = await backend.catalog.readManifest(build);
  if ('problem' in read) return { manifest: null, damage: { what: 'manifest', file: read.name, problem: read.problem }, storeUsable: false };
  const checked = checkManifest(read.text);
  if (!('manifest' in checked)) return { manifest: null, damage: { what: 'manifest', file: read.name, problem: checked.problem }, storeUsable: false };
  const { manifest } = checked;
  const store = await backend.papers.check(build, manifest.counts, { thorough });
  if (store !== null) return { manifest, damage: store, storeUsable: false };
  if (manifest.embeddings !== null) {
    const vectors = await backend.vectors.check(build, { dims: manifest.embeddings.dims, slots: manifest.counts.vectorSlots });
    if (vectors !== null) return { manifest, damage: vectors, storeUsable: true };
  }
  return { manifest, damage: null };
}

/** The one sentence a reader (ask, chat, the bot) gives for a damaged current build: which file, what is wrong, what repairs it. */
export function damagedIndexError(damage: FileDamage, cause?: unknown): UserError {
  return new UserError('E_INDEX_CORRUPT', `The index ${describeDamage(damage)}: run \`npm run index\` to rebuild the index.`, { cause });
}

/** What a build that repaired a damaged one says: "The index in data/index was broken (its store … is …): rebuilt from the corpus." `location`: the catalog's. */
export function describeRepair(location: string, damage: FileDamage): string {
  return `The index in ${location} was broken (its ${describeDamage(damage)}): rebuilt from the corpus.`;
}
