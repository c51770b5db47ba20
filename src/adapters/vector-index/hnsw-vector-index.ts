/**
 * The HNSW vector index (hnswlib-node, cosine space). hnswlib is permissive in ways that corrupt data
 * silently (labels coerced to uint32, a file read into an index of another dimension, `ef` not saved), so
 * this wrapper validates labels and vectors itself, sets `ef` after every load, and grows the index before
 * it is full. Dimensions are checked against the manifest by the caller before `read`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import type { VectorHit, WritableVectorIndex } from '../../core/retrieval/vector-index.ts';
import { readFileHead } from '../read-file-head.ts';

/** The file of the index inside a build folder. */
export const VECTORS_FILE = 'vectors.hnsw';

export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
}

const MAX_LABEL = 2 ** 32 - 1;

/** hnswlib's file header: six size_t, an int, a uint32, three size_t, a double, a size_t (hnswalg.h saveIndex). */
const HEADER_BYTES = 96;

export class HnswVectorIndex implements WritableVectorIndex {
  readonly dims: number;
  private readonly index: hnswlib.HierarchicalNSW;
  private live: number;

  private constructor(index: hnswlib.HierarchicalNSW, dims: number, live: number) {
    this.index = index;
    this.dims = dims;
    this.live = live;
  }

  static create({ dims, capacity, params, seed = 100 }: { dims: number; capacity: number; params: HnswParams; seed?: number }): HnswVectorIndex {
    const index = new hnswlib.HierarchicalNSW('cosine', dims);
    index.initIndex({ maxElements: Math.max(16, capacity), m: params.m, efConstruction: params.efConstruction, randomSeed: seed });
    index.setEf(params.efSearch);
    return new HnswVectorIndex(index, dims, 0);
  }

  /** Reads a saved index. `live` is the number of non-deleted vectors (known from the store). */
  static read(file: string, { dims, efSearch, live }: { dims: number; efSearch: number; live: number }): HnswVectorIndex {
    const index = new hnswlib.HierarchicalNSW('cosine', dims);
    index.readIndexSync(file);
    // ef is not stored in the file: without this, searches run with ef = 10 and miss neighbours.
    index.setEf(efSearch);
    return new HnswVectorIndex(index, dims, live);
  }

  /** The index saved in the build folder `dir`, or null when the folder has none. */
  static load(dir: string, options: { dims: number; efSearch: number; live: number }): HnswVectorIndex | null {
    const file = path.join(dir, VECTORS_FILE);
    return existsSync(file) ? HnswVectorIndex.read(file, options) : null;
  }

  /**
   * What is wrong with the saved index `file`, as the end of a sentence, or null when its header agrees with
   * what the manifest recorded. Cheap: hnswlib's 96-byte header (sizes, element count) is read, not the graph,
   * so a file of other dimensions (which hnswlib would read without complaint) or one cut short is caught
   * before it is loaded.
   */
  static check(file: string, { dims, slots }: { dims: number; slots: number }): string | null {
    let header: Buffer;
    let size: number;
    let read: number;
    try {
      ({ head: header, size, read } = readFileHead(file, HEADER_BYTES));
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing, so the build has lost its vectors' : `cannot be read (${(error as Error).message})`;
    }
    if (read < HEADER_BYTES) return `has ${size} bytes, too few for an HNSW index`;
    const field = (offset: number) => Number(header.readBigUInt64LE(offset));
    const [count, bytesPerElement, labelOffset, dataOffset] = [field(16), field(24), field(32), field(40)];
    // Each element: its level-0 links, the vector (4 bytes a dimension), then an 8-byte label.
    const fileDims = (labelOffset - dataOffset) / 4;
    if (bytesPerElement !== labelOffset + 8 || !Number.isInteger(fileDims) || fileDims <= 0) return 'is not an HNSW index';
    if (fileDims !== dims) return `holds vectors of ${fileDims} dimensions, its manifest says ${dims}`;
    if (count !== slots) return `holds ${count} vectors, its manifest says ${slots}`;
    // The level-0 block, then at least a 4-byte link-list size per element.
    const least = HEADER_BYTES + count * (bytesPerElement + 4);
    if (size < least) return `has ${size} bytes, fewer than the ${least} its ${count} vectors need: it was cut short`;
    return null;
  }

  get size(): number {
    return this.live;
  }

  /** Vectors slots used, deleted ones included (deleted slots are reclaimed only by a full rebuild). */
  get slots(): number {
    return this.index.getCurrentCount();
  }

  reserve(slots: number): void {
    if (slots > this.index.getMaxElements()) this.index.resizeIndex(slots);
  }

  setEf(ef: number): void {
    this.index.setEf(ef);
  }

  add(label: number, vector: readonly number[]): void {
    if (!Number.isInteger(label) || label < 0 || label > MAX_LABEL) throw new RangeError(`invalid vector label ${label}: expected an integer in 0..${MAX_LABEL}`);
    if (vector.length !== this.dims) throw new RangeError(`vector for label ${label} has ${vector.length} dimensions, the index has ${this.dims}`);
    if (vector.some((x) => !Number.isFinite(x))) throw new RangeError(`vector for label ${label} contains a non-finite value`);
    const max = this.index.getMaxElements();
    if (this.index.getCurrentCount() >= max) this.index.resizeIndex(Math.ceil(max * 1.5) + 16);
    this.index.addPoint(vector as number[], label);
    this.live += 1;
  }

  addBatch(items: readonly { label: number; vector: readonly number[] }[]): void {
    for (const { label, vector } of items) this.add(label, vector);
  }

  removeMany(labels: readonly number[]): number {
    let removed = 0;
    for (const label of labels) if (this.remove(label)) removed += 1;
    return removed;
  }

  /** Hides a vector from search; unknown labels are ignored (hnswlib would throw). */
  remove(label: number): boolean {
    try {
      this.index.markDelete(label);
    } catch (error) {
      if (error instanceof Error && /not found|already/i.test(error.message)) return false;
      throw error;
    }
    this.live -= 1;
    return true;
  }

  search(vector: readonly number[], k: number): VectorHit[] {
    const n = Math.min(k, this.live);
    if (n <= 0) return [];
    if (vector.length !== this.dims) throw new RangeError(`query has ${vector.length} dimensions, the index has ${this.dims}`);
    const { neighbors, distances } = this.index.searchKnn(vector as number[], n);
    return neighbors.map((label, i) => ({ label, similarity: 1 - (distances[i] ?? 1) }));
  }

  getVector(label: number): number[] | undefined {
    try {
      return this.index.getPoint(label);
    } catch (error) {
      if (error instanceof Error && /not found|deleted/i.test(error.message)) return undefined;
      throw error;
    }
  }

  save(dir: string): void {
    this.index.writeIndexSync(path.join(dir, VECTORS_FILE));
  }
}
