/**
 * An index built before Chinese and Japanese were split into words (a manifest without `lexical`) holds
 * those passages as one token per run of text, where no word inside a sentence can match: the next build
 * notices it from the manifest and indexes exactly those papers again, without being asked to.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteHnswBackend } from '../adapters/sqlite-hnsw-backend.ts';
import { buildIndex } from './build-index.ts';
import { CATALOG_FILES } from '../adapters/file-build-catalog.ts';
import { LEXICAL_VERSION } from './manifest.ts';

const PAPERS = [
  { id: 'zh-pruning', abstract: '本文研究深度神经网络的结构化剪枝问题。我们提出一种基于神经元融合的方法，在移除冗余通道的同时保留原有知识，无需重新训练即可保持模型精度。实验表明该方法在多个图像分类数据集上优于现有剪枝方法。' },
  { id: 'en-recsys', abstract: 'We model the multiple interests of a user for sequential recommendation with a mixture of attention heads, and show gains on three public benchmarks against single-vector user models.' },
];

let tmp: string;
let corpusDir: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'paperbot-lexical-version-'));
  corpusDir = path.join(tmp, 'corpus');
  mkdirSync(corpusDir);
  writeFileSync(path.join(corpusDir, 'papers.jsonl'), `${PAPERS.map((p) => JSON.stringify(p)).join('\n')}\n`);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const build = () => buildIndex({ corpusDir, embedder: null, backend: sqliteHnswBackend(path.join(tmp, 'index'), { m: 8, efConstruction: 50, efSearch: 50 }) });

describe('the lexical tokenization recorded in the manifest', () => {
  it('is written by every build', async () => {
    expect((await build()).manifest.lexical).toBe(LEXICAL_VERSION);
  });

  it('makes the build after an older index re-index its Chinese and Japanese papers, and only those', async () => {
    const first = await build();
    // What an index built before word segmentation looks like: no `lexical` in its manifest.
    const file = path.join(first.buildDir, CATALOG_FILES.manifest);
    const { lexical: _, ...older } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify(older));

    const again = await build();
    expect(again.upToDate).toBe(false);
    expect(again.stats).toMatchObject({ added: 0, updated: 1, removed: 0 });
    expect(again.manifest.lexical).toBe(LEXICAL_VERSION);
    expect((await build()).upToDate).toBe(true);
  });
});
